/**
 * lattice train --resume: a run stopped by its signal (Ctrl-C in the CLI) after an epoch carries
 * on from its folder and ends exactly where the uninterrupted run ends: the same test figures, the
 * same step losses in metrics.jsonl, none of the interrupted epoch's partial lines left over.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../src/index';
import { TRAIN_DEFAULTS, trainCommand, type TrainOptions } from '../../src/cli/train';

const base: TrainOptions = { ...TRAIN_DEFAULTS, model: 'mlp', epochs: 3, trainLimit: 1024, testLimit: 300, augment: true, progress: false };
const quiet = (): void => {};
const records = (dir: string) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);

describe('lattice train --resume', () => {
  it('an interrupted run, resumed, ends as the uninterrupted one', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lattice-resume-cli-'));
    const straight = await trainCommand({ ...base, out: join(root, 'a') }, quiet);

    const b = join(root, 'b');
    const controller = new AbortController();
    // Stop as soon as the first epoch's checkpoint exists: in the middle of the second epoch.
    const poll = setInterval(() => { if (existsSync(join(b, 'last.safetensors'))) controller.abort(); }, 1);
    const lines: string[] = [];
    const stopped = await trainCommand({ ...base, out: b }, (l) => lines.push(l), { signal: controller.signal }).finally(() => clearInterval(poll));
    expect(stopped.interrupted).toBe(true);
    expect(lines.join('\n')).toMatch(/interrupted during epoch \d of 3; `lattice train --resume .*b` carries on after epoch \d/);
    expect(existsSync(join(b, 'checkpoint.safetensors'))).toBe(false);
    // Steps of the unfinished epoch were logged too (8 batches an epoch); resuming drops them.
    expect(records(b).filter((r) => r.type === 'step').length).toBeGreaterThan(8);

    const resumedLines: string[] = [];
    const resumed = await trainCommand({ ...TRAIN_DEFAULTS, resume: b, progress: false }, (l) => resumedLines.push(l));
    expect(resumedLines.join('\n')).toMatch(/resuming .*b after epoch \d of 3/);
    expect(resumed.interrupted).toBe(false);
    expect(resumed.testAccuracy).toBe(straight.testAccuracy);
    expect(resumed.testLoss).toBe(straight.testLoss);
    const stepLosses = (dir: string) => records(dir).filter((r) => r.type === 'step').map((r) => r.loss);
    expect(stepLosses(b)).toEqual(stepLosses(join(root, 'a')));
    expect(records(b).filter((r) => r.type === 'epoch').map((r) => r.epoch)).toEqual([0, 1, 2]);
    for (const f of ['checkpoint.safetensors', 'report.html', 'options.json']) expect(existsSync(join(b, f)), f).toBe(true);

    // A finished run, another option, a folder that is not a run: refused before anything changes.
    await expect(trainCommand({ ...TRAIN_DEFAULTS, resume: b, progress: false }, quiet)).rejects.toThrow(/the run finished \(it has checkpoint.safetensors\); nothing to resume/);
    const c = join(root, 'c');
    const controller2 = new AbortController();
    const poll2 = setInterval(() => { if (existsSync(join(c, 'last.safetensors'))) controller2.abort(); }, 1);
    await trainCommand({ ...base, out: c }, quiet, { signal: controller2.signal }).finally(() => clearInterval(poll2));
    const before = readFileSync(join(c, 'metrics.jsonl'), 'utf8');
    await expect(trainCommand({ ...TRAIN_DEFAULTS, resume: c, epochs: 5, progress: false }, quiet)).rejects.toThrow(/--epochs 5 differs from the run's 3/);
    await expect(trainCommand({ ...TRAIN_DEFAULTS, resume: c, lr: 0.1, progress: false }, quiet)).rejects.toThrow(/--lr 0.1 differs/);
    await expect(trainCommand({ ...TRAIN_DEFAULTS, resume: c, out: join(root, 'elsewhere'), progress: false }, quiet)).rejects.toThrow(/drop --out/);
    expect(readFileSync(join(c, 'metrics.jsonl'), 'utf8')).toBe(before);
    await expect(trainCommand({ ...TRAIN_DEFAULTS, resume: root, progress: false }, quiet)).rejects.toThrow(/is not a run folder of lattice train \(no options.json\)/);
  }, 120_000);
});

import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../src/index';
import { buildProgram } from '../../src/cli/main';
import { TRAIN_DEFAULTS, trainCommand } from '../../src/cli/train';
import { evaluateCommand } from '../../src/cli/evaluate';
import { diagnoseCommand } from '../../src/cli/diagnose';

describe('lattice train (end to end on a subset)', () => {
  it('trains, writes metrics.jsonl, checkpoint.safetensors and a report with its charts; evaluate reloads it', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'lattice-cli-')), 'run');
    const lines: string[] = [];
    const summary = await trainCommand({ ...TRAIN_DEFAULTS, model: 'mlp', epochs: 1, trainLimit: 2048, testLimit: 500, out, progress: false }, (l) => lines.push(l));
    expect(summary.testAccuracy).toBeGreaterThan(0.6);
    for (const f of ['metrics.jsonl', 'checkpoint.safetensors', 'report.html']) expect(existsSync(join(out, f)), f).toBe(true);
    const metrics = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(metrics.filter((m) => m.type === 'step')).toHaveLength(16);
    expect(metrics.filter((m) => m.type === 'epoch')).toHaveLength(1);
    const html = readFileSync(join(out, 'report.html'), 'utf8');
    expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(5);
    for (const title of ['Loss', 'Accuracy', 'Per-layer gradient norms over time', 'Gradient flow: layer × step heat map', 'Gradient health']) expect(html).toContain(title);
    expect(html).not.toMatch(/<script/);
    expect(lines.join('\n')).toMatch(/test accuracy \d+\.\d+% .* in \d+\.\d s/);
    expect(lines.join('\n')).toContain('gradient health');
    const logs: string[] = [];
    const acc = await evaluateCommand({ checkpoint: join(out, 'checkpoint.safetensors') }, (l) => logs.push(l));
    expect(acc).toBeGreaterThan(0.6);
    expect(logs[0]).toMatch(/^mlp from .*checkpoint\.safetensors: test accuracy/);
  });

  it('--accumulate 3 sums the gradients of 3 batches per step; the one-cycle schedule is sized to the steps', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'lattice-cli-')), 'run');
    const lines: string[] = [];
    // 16 batches of 128 in groups of 3: 6 optimizer steps, the last of one batch; OneCycleLR throws when stepped past its total.
    const summary = await trainCommand({ ...TRAIN_DEFAULTS, model: 'mlp', epochs: 1, trainLimit: 2048, testLimit: 500, accumulate: 3, out, progress: false }, (l) => lines.push(l));
    expect(summary.testAccuracy).toBeGreaterThan(0.5);
    const steps = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((m) => m.type === 'step');
    expect(steps).toHaveLength(16);
    expect(steps.filter((m) => m.optimizerStep).length).toBe(6);
    await expect(trainCommand({ ...TRAIN_DEFAULTS, accumulate: 0, progress: false })).rejects.toThrow(/--accumulate must be a positive integer, got 0/);
  });

  it('--ema ends the run with the moving average of the weights, which the checkpoint holds', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'lattice-cli-')), 'run');
    const lines: string[] = [];
    const summary = await trainCommand({ ...TRAIN_DEFAULTS, model: 'mlp', epochs: 1, trainLimit: 2048, ema: 0.9, out, progress: false }, (l) => lines.push(l));
    expect(summary.testAccuracy).toBeGreaterThan(0.6);
    const logs: string[] = [];
    // The checkpoint is the EMA model: reloading it gives the accuracy the run reported (both on the 10,000 test images).
    const acc = await evaluateCommand({ checkpoint: join(out, 'checkpoint.safetensors') }, (l) => logs.push(l));
    expect(acc).toBeCloseTo(summary.testAccuracy, 10);
    expect(readFileSync(join(out, 'report.html'), 'utf8')).toContain('EMA of the weights (decay 0.9)');
    await expect(trainCommand({ ...TRAIN_DEFAULTS, ema: 1, progress: false })).rejects.toThrow(/--ema must be a decay in \(0, 1\), got 1/);
  });

  it('rejects bad arguments with clear errors', async () => {
    const run = (args: string[]) => {
      const program = buildProgram().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
      program.commands.forEach((c) => c.exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} }));
      return program.parseAsync(['node', 'lattice', ...args]);
    };
    await expect(run(['train', '--epochs', 'two'])).rejects.toThrow(/--epochs must be an integer, got 'two'/);
    await expect(run(['train', '--lr', 'fast'])).rejects.toThrow(/--lr must be a number/);
    await expect(run(['train', '--bogus'])).rejects.toThrow(/unknown option '--bogus'/);
    await expect(run(['evaluate'])).rejects.toThrow(/required option '--checkpoint <path>'/);
    // An out folder under tmp: a bad run must never leave runs/<timestamp>/ in the working tree.
    const badOut = join(mkdtempSync(join(tmpdir(), 'lattice-bad-')), 'run');
    await expect(trainCommand({ ...TRAIN_DEFAULTS, model: 'transformer', progress: false, out: badOut })).rejects.toThrow(/unknown model 'transformer' \(choose mlp, cnn, resnet\)/);
    await expect(trainCommand({ ...TRAIN_DEFAULTS, epochs: 0, progress: false })).rejects.toThrow(/--epochs must be a positive integer, got 0/);
    await expect(trainCommand({ ...TRAIN_DEFAULTS, optimizer: 'lamb' as never, progress: false })).rejects.toThrow(/--optimizer must be adam, adamw or sgd/);
    await expect(evaluateCommand({ checkpoint: '/nonexistent/ckpt.safetensors' })).rejects.toThrow(/cannot read \/nonexistent\/ckpt\.safetensors/);
  });

  it('lattice diagnose prints findings and writes a chart', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lattice-diag-'));
    const lines: string[] = [];
    const d = await diagnoseCommand({ model: 'deep-a', out, batchSize: 64 }, (l) => lines.push(l));
    expect(d.findings.join('\n')).toMatch(/vanishing/);
    expect(lines.join('\n')).toContain('findings:');
    expect(readFileSync(join(out, 'gradients.svg'), 'utf8')).toMatch(/^<svg/);
  });
});

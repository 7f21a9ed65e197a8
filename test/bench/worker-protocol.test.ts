// bench/lib/worker.mjs: the line-JSON protocol bench/run.ts drives every JS worker with (setup,
// time, teardown, quit). A tiny worker with counting cases checks the answers' structure, that
// warm-up fixes `inner` for later rounds, that a timed request returns one sample per rep, that an unsupported
// case is listed with its reason, and that a failing case answers an error instead of dying.
// Only counts are asserted, never times.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const workerLib = pathToFileURL(join(__dirname, '..', '..', 'bench', 'lib', 'worker.mjs')).href;

const SCRIPT = `
import { serve } from ${JSON.stringify(workerLib)};
console.log('a banner that must not reach the protocol');
serve({
  info: () => ({ peer: 'fake', version: '1' }),
  makeCases: (workload) => workload === 'w' ? {
    cases: {
      count: { fn: () => { let s = 0; for (let i = 0; i < 2e5; i++) s += i; return s; }, unit: 'us', perCall: 10, note: 'n' },
      broken: { fn: () => { throw new Error('kernel missing'); } },
      nope: { unsupported: 'no such kernel' },
    },
  } : {},
});
`;

function startWorker(): { request: (req: object) => Promise<Record<string, unknown>>; first: Promise<Record<string, unknown>>; done: Promise<number | null> } {
  const dir = mkdtempSync(join(tmpdir(), 'bench-worker-test-'));
  const file = join(dir, 'worker.mjs');
  writeFileSync(file, SCRIPT);
  const child = spawn(process.execPath, [file], { stdio: ['pipe', 'pipe', 'ignore'] });
  const waiting: ((v: Record<string, unknown>) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (line) => waiting.shift()?.(JSON.parse(line)));
  const first = new Promise<Record<string, unknown>>((r) => waiting.push(r));
  const done = new Promise<number | null>((r) => child.on('exit', r));
  const request = (req: object) => new Promise<Record<string, unknown>>((r) => { waiting.push(r); child.stdin.write(JSON.stringify(req) + '\n'); });
  return { request, first, done };
}

describe('bench worker protocol (JS side)', () => {
  it('answers ready, setup, time, teardown and quit in order, one JSON line each', async () => {
    const w = startWorker();
    const ready = await w.first;
    expect(ready).toMatchObject({ ready: true, peer: 'fake', version: '1' });
    const setup = await w.request({ cmd: 'setup', workload: 'w', quick: true });
    expect(setup.cases).toEqual([
      { case: 'count', unit: 'us', flops: null, per_call: 10, note: 'n' },
      { case: 'broken', unit: 'ms', flops: null, per_call: 1, note: null },
    ]);
    expect(setup.unsupported).toEqual([{ case: 'nope', reason: 'no such kernel' }]);

    const warm = await w.request({ cmd: 'time', case: 'count', reps: 1, warm: true });
    const inner = warm.inner as number;
    expect(Number.isInteger(inner) && inner >= 1).toBe(true);
    const timed = await w.request({ cmd: 'time', case: 'count', reps: 4 });
    expect(timed.samples).toHaveLength(4);
    expect(timed.inner).toBe(inner);  // fixed by the warm-up: every round times the same unit
    expect(typeof timed.cpu_s).toBe('number');
    expect(typeof timed.wall_s).toBe('number');
    expect((timed.samples as number[]).every((s) => s > 0)).toBe(true);

    const broken = await w.request({ cmd: 'time', case: 'broken', reps: 1 });
    expect(broken).toEqual({ error: 'kernel missing' });
    const missing = await w.request({ cmd: 'time', case: 'nope', reps: 1 });
    expect(String(missing.error)).toContain('no case nope');

    expect(await w.request({ cmd: 'teardown' })).toEqual({ ok: true });
    expect(String((await w.request({ cmd: 'time', case: 'count', reps: 1 })).error)).toContain('no case count');
    expect(await w.request({ cmd: 'quit' })).toEqual({ ok: true });
    expect(await w.done).toBe(0);
  });
});

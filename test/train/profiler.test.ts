import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import * as nn from '../../src/nn/index';
import { Adam } from '../../src/optim/adam';
import { backend } from '../../src/backend/index';
import { profiling } from '../../src/backend/observer';
import { ArgumentError } from '../../src/errors';
import { fit } from '../../src/train/fit';
import { profile, recordFunction, ProfilerCallback, type ProfileResult, type ProfileRow } from '../../src/train/profiler';
import { hasNative, onBackend } from '../helpers/backends';

/** The CLI's CNN shape, small: two conv-BN-ReLU-pool stages, then Linear-ReLU-Linear. */
function smallCnn() {
  L.manualSeed(0);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 4, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(4, 8, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(), new nn.Linear(32, 16), new nn.ReLU(), new nn.Linear(16, 3));
  const optimizer = new Adam(model.parameters(), { lr: 1e-3 });
  const x = L.rand([4, 1, 8, 8]);
  const y = L.tensor([0, 1, 2, 1], { dtype: 'int32' });
  const step = (): void => {
    L.tidy(() => {
      optimizer.zeroGrad();
      const loss = L.crossEntropy(model.call(x) as L.Tensor, y);
      loss.backward();
      optimizer.step();
    });
  };
  return { model, optimizer, x, y, step };
}

const row = (rows: ProfileRow[], name: string): ProfileRow | undefined => rows.find((r) => r.name === name);
const calls = (rows: ProfileRow[], name: string): number => row(rows, name)?.calls ?? 0;

/** Every time is a finite number >= 0, the self times do not exceed the total times or the profiled time. */
function expectSaneTimes(result: ProfileResult): void {
  const t = result.totals;
  const base = t.clock === 'wall' ? t.wallMs : t.cpuMs;
  for (const r of [...result.ops, ...result.kernels]) {
    for (const v of [r.selfMs, r.totalMs, r.meanMs, r.selfPercent, r.totalPercent]) {
      expect(Number.isFinite(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(0);
    }
    expect(r.selfMs).toBeLessThanOrEqual(r.totalMs + 1e-9);
    expect(r.calls).toBeGreaterThan(0);
  }
  const selfSum = result.ops.reduce((s, r) => s + r.selfMs, 0);
  const kernelSum = result.kernels.reduce((s, r) => s + r.totalMs, 0);
  expect(selfSum).toBeLessThanOrEqual(base + 1e-6);
  expect(kernelSum).toBeLessThanOrEqual(base + 1e-6);
  expect(kernelSum).toBeCloseTo(t.kernelMs, 6);
  expect(result.kernels.reduce((s, r) => s + r.calls, 0)).toBe(t.kernelCalls);
  expect(t.outsideKernelMs).toBeCloseTo(base - t.kernelMs, 6);
}

describe('profile', () => {
  for (const name of ['native', 'reference'] as const) {
    it(`counts the ops, backward nodes and kernels of a CNN training step (${name})`, () => {
      if (name === 'native' && !hasNative()) return;
      onBackend(name, () => {
        const { step } = smallCnn();
        step();  // the first step creates Adam's state
        const result = profile(step);
        const ops = result.ops;
        // Forward: two convolutions, two BatchNorm+ReLU (fused), two pools, two Linear layers.
        expect(calls(ops, 'conv2d')).toBe(2);
        expect(calls(ops, 'batchNormRelu')).toBe(2);
        expect(calls(ops, 'linear')).toBe(2);
        expect(calls(ops, 'crossEntropy')).toBe(1);
        // Backward: one pass, one frame per node, named as torch names nodes.
        expect(row(ops, 'backward')).toMatchObject({ kind: 'backward', calls: 1 });
        expect(row(ops, 'conv2dBackward0')).toMatchObject({ kind: 'backward', calls: 2 });
        expect(row(ops, 'linearBackward0')).toMatchObject({ kind: 'backward', calls: 2 });
        expect(row(ops, 'crossEntropyBackward0')).toMatchObject({ kind: 'backward', calls: 1 });
        expect(row(ops, 'conv2d')!.kind).toBe('op');
        // The whole backward pass holds its nodes.
        const pass = row(ops, 'backward')!;
        expect(pass.totalMs).toBeGreaterThanOrEqual(row(ops, 'conv2dBackward0')!.totalMs);
        // Adam's fused step records no op: its kernel gets a row of its own.
        expect(row(ops, '[adamStep]')).toMatchObject({ kind: 'kernel', calls: 1 });

        // Kernels: Linear runs gemm, forward and backward; BatchNorm its fused kernels.
        const kernels = result.kernels;
        expect(calls(kernels, 'gemm')).toBeGreaterThanOrEqual(4);
        expect(calls(kernels, 'batchNormForward')).toBe(2);
        expect(calls(kernels, 'batchNormBackward')).toBe(2);
        expect(calls(kernels, 'adamStep')).toBe(1);
        expect(kernels.every((r) => r.kind === 'kernel' && r.selfMs === r.totalMs)).toBe(true);

        // Each forward Linear claimed its gemm; each kernel lies inside the op that claimed it.
        const spans = result.spans;
        const linearSpans = spans.map((s, i) => [s, i] as const).filter(([s]) => s.kind === 'op' && s.name === 'linear');
        expect(linearSpans).toHaveLength(2);
        for (const [, i] of linearSpans) expect(spans.some((s) => s.kind === 'kernel' && s.name === 'gemm' && s.op === i)).toBe(true);
        for (const s of spans) {
          expect(s.endMs).toBeGreaterThanOrEqual(s.startMs);
          if (s.kind === 'kernel' && s.op >= 0) {
            expect(s.startMs).toBeGreaterThanOrEqual(spans[s.op].startMs);
            expect(s.endMs).toBeLessThanOrEqual(spans[s.op].endMs);
          }
          if (s.parent >= 0) {
            expect(['backward', 'scope']).toContain(spans[s.parent].kind);
            expect(s.startMs).toBeGreaterThanOrEqual(spans[s.parent].startMs);
            expect(s.endMs).toBeLessThanOrEqual(spans[s.parent].endMs);
          }
        }
        // Backward kernels run inside a backward frame.
        expect(spans.filter((s) => s.kind === 'kernel' && s.name === 'batchNormBackward').every((s) => s.parent >= 0)).toBe(true);
        expectSaneTimes(result);
        expect(result.totals.clock).toBe('wall');
        expect(Number.isInteger(result.totals.freshAllocations)).toBe(true);
        expect(result.totals.freshAllocations).toBeGreaterThan(0);
        expect(result.totals.freshBytes).toBeGreaterThan(0);
        expect(result.totals.gcPauses).toBeGreaterThanOrEqual(0);
        expect(result.totals.gcMs).toBeGreaterThanOrEqual(0);
        expect(result.totals.steps).toBeUndefined();
      });
    });
  }

  it('profiles a forward pass under noGrad: op rows, no backward rows', () => {
    const { model, x } = smallCnn();
    const result = profile(() => L.noGrad(() => model.call(x)));
    expect(calls(result.ops, 'conv2d')).toBe(2);
    expect(calls(result.ops, 'linear')).toBe(2);
    expect(result.ops.some((r) => r.kind === 'backward')).toBe(false);
    expectSaneTimes(result);
  });

  it('counts a kernel to the op that ran it, not to a view that op made on the way', () => {
    const x = L.rand([3, 4], { requiresGrad: true });
    const result = profile(() => x.sum().backward());
    const spans = result.spans;
    const reduce = spans.filter((s) => s.kind === 'kernel' && s.name === 'reduce' && s.parent < 0);
    expect(reduce).toHaveLength(1);
    expect(spans[reduce[0].op]).toMatchObject({ kind: 'op', name: 'sum' });
    // The reshapes inside sum share the input's storage: counted as calls, with no kernel time.
    const reshapes = spans.filter((s) => s.kind === 'op' && s.name === 'reshape' && s.parent < 0);
    expect(reshapes.length).toBeGreaterThan(0);
    for (const s of reshapes) expect(s.endMs).toBe(s.startMs);
  });

  it('times by CPU time with clock: cpu', () => {
    const { step } = smallCnn();
    const result = profile(step, { clock: 'cpu' });
    expect(result.totals.clock).toBe('cpu');
    expect(calls(result.ops, 'conv2d')).toBe(2);
    expectSaneTimes(result);
  });

  it('groups rows by input shape with recordShapes', () => {
    const { model } = smallCnn();
    const a = L.rand([2, 1, 8, 8]), b = L.rand([5, 1, 8, 8]);
    const result = profile(() => L.noGrad(() => { model.call(a); model.call(b); model.call(a); }), { recordShapes: true });
    const linear = result.keyAverages().filter((r) => r.name === 'linear');
    expect(linear.map((r) => [r.inputShapes, r.calls]).sort()).toEqual([
      ['[[2, 32], [16, 32], [16]]', 2], ['[[2, 16], [3, 16], [3]]', 2],
      ['[[5, 32], [16, 32], [16]]', 1], ['[[5, 16], [3, 16], [3]]', 1],
    ].sort());
    // Summed over shapes on request, as without recordShapes.
    expect(row(result.keyAverages({ groupByInputShape: false }), 'linear')).toMatchObject({ calls: 6 });
    expect(row(result.keyAverages({ groupByInputShape: false }), 'linear')!.inputShapes).toBeUndefined();
    const table = result.table({ rowLimit: 50 });
    expect(table).toContain('Input shapes');
    expect(table).toContain('[[5, 1, 8, 8], [4, 1, 3, 3]]');
    // Kernels have no shapes; grouping needs recorded shapes.
    const plain = profile(() => L.noGrad(() => model.call(a)));
    expect(() => plain.keyAverages({ groupByInputShape: true })).toThrow(ArgumentError);
    expect(() => plain.keyAverages({ groupByInputShape: true })).toThrow(/keyAverages: groupByInputShape needs a profile taken with recordShapes: true/);
    expect(plain.table()).not.toContain('Input shapes');
  });

  it('profiles an async fn across awaits and nests recordFunction scopes', async () => {
    const { step } = smallCnn();
    const result = await profile(async () => {
      step();
      await new Promise((r) => setTimeout(r, 2));
      await recordFunction('outer', async () => {
        recordFunction('inner', () => step());
        await new Promise((r) => setTimeout(r, 1));
      });
    });
    expect(calls(result.ops, 'conv2d')).toBe(4);
    expect(calls(result.ops, 'backward')).toBe(2);
    const outer = row(result.ops, 'outer')!, inner = row(result.ops, 'inner')!;
    expect(outer).toMatchObject({ kind: 'scope', calls: 1 });
    expect(inner).toMatchObject({ kind: 'scope', calls: 1 });
    expect(outer.totalMs).toBeGreaterThanOrEqual(inner.totalMs);
    expect(outer.selfMs).toBeCloseTo(outer.totalMs - inner.totalMs, 9);
    const spans = result.spans;
    const innerSpan = spans.find((s) => s.name === 'inner')!;
    expect(spans[innerSpan.parent].name).toBe('outer');
    // The step inside 'inner': its backward frame and its conv ops have 'inner' as their frame.
    const innerIndex = spans.indexOf(innerSpan);
    expect(spans.filter((s) => s.kind === 'op' && s.name === 'conv2d' && s.parent === innerIndex)).toHaveLength(2);
    expect(spans.filter((s) => s.name === 'backward' && s.parent === innerIndex)).toHaveLength(1);
    // Adam's kernel inside 'inner' is unclaimed by any op: it counts to the scope, not to a [adamStep] row.
    expect(calls(result.ops, '[adamStep]')).toBe(1);
    expectSaneTimes(result);
    expect(profiling.observer).toBeNull();
  });

  it('returns the value of recordFunction, and just runs it with no profile', async () => {
    expect(recordFunction('x', () => 42)).toBe(42);
    expect(await recordFunction('x', async () => 'a')).toBe('a');
    const result = profile(() => { expect(recordFunction('y', () => 7)).toBe(7); });
    expect(row(result.ops, 'y')).toMatchObject({ kind: 'scope', calls: 1 });
    expect(() => recordFunction('', () => 1)).toThrow(/recordFunction: name must be a non-empty string, got ""/);
    expect(() => recordFunction('z', 5 as unknown as () => number)).toThrow(/recordFunction: fn must be a function, got number/);
  });

  it('refuses a profile inside a profile, and the outer one finishes', () => {
    const { step } = smallCnn();
    const result = profile(() => {
      step();
      expect(() => profile(step)).toThrow(ArgumentError);
      expect(() => profile(step)).toThrow(/profile: a profile is already running \(started by profile\); profiles do not nest/);
      expect(() => new ProfilerCallback({ active: 1 }).onTrainBegin({} as never)).toThrow(/ProfilerCallback: a profile is already running/);
    });
    expect(calls(result.ops, 'conv2d')).toBe(2);
    expect(profiling.observer).toBeNull();
  });

  it('takes its hooks off when fn throws or rejects', async () => {
    const plain = backend();
    const boom = new Error('boom');
    expect(() => profile(() => {
      expect(backend()).not.toBe(plain);  // the timed kernel set
      L.matmul(L.ones([2, 2]), L.ones([2, 2]));
      throw boom;
    })).toThrow(boom);
    expect(profiling.observer).toBeNull();
    expect(backend()).toBe(plain);
    await expect(profile(async () => { await Promise.resolve(); throw boom; })).rejects.toBe(boom);
    expect(profiling.observer).toBeNull();
    // The engine's frames close too when a backward throws.
    const x = L.ones([2], { requiresGrad: true });
    const y = x.mul(2).sum();
    y.backward();
    expect(() => profile(() => y.backward())).toThrow(/already freed/);
    expect(profiling.observer).toBeNull();
    // A later profile starts cleanly.
    const r = profile(() => L.matmul(L.ones([2, 2]), L.ones([2, 2])));
    expect(calls(r.ops, 'matmul')).toBe(1);
    expect(calls(r.kernels, 'gemm')).toBe(1);
  });

  it('checks its arguments', () => {
    expect(() => profile(42 as unknown as () => void)).toThrow(/profile: fn must be a function, got number/);
    expect(() => profile(() => {}, { clock: 'gpu' as 'wall' })).toThrow(/profile: clock must be 'wall' or 'cpu', got "gpu"/);
    expect(() => profile(() => {}, { recordShapes: 'yes' as unknown as boolean })).toThrow(/profile: recordShapes must be true or false, got "yes"/);
    expect(() => profile(() => {}, 3 as never)).toThrow(/profile: options must be an object, got number/);
    expect(profiling.observer).toBeNull();
    const result = profile(() => L.ones([3]).add(1));
    expect(() => result.table({ sortBy: 'mean' as 'calls' })).toThrow(/table: sortBy must be 'selfMs', 'totalMs' or 'calls', got "mean"/);
    expect(() => result.table({ rowLimit: 0 })).toThrow(/table: rowLimit must be a positive integer or Infinity, got 0/);
    expect(() => result.table({ rowLimit: 2.5 })).toThrow(ArgumentError);
    expect(() => result.table({ by: 'node' as 'op' })).toThrow(/table: by must be 'op' or 'kernel', got "node"/);
    expect(() => result.keyAverages({ by: 'x' as 'op' })).toThrow(/keyAverages: by must be 'op' or 'kernel', got "x"/);
  });
});

describe('ProfileResult output', () => {
  const { step } = smallCnn();
  step();
  const result = profile(step);

  it('prints a table sorted and limited as asked', () => {
    const table = result.table({ sortBy: 'selfMs', rowLimit: 5 });
    const lines = table.split('\n');
    expect(lines[1]).toMatch(/^Name\s+Self ms\s+Self %\s+Total ms\s+Total %\s+Mean ms\s+Calls$/);
    const body = lines.slice(3, 8);
    expect(body).toHaveLength(5);
    const selfCol = body.map((l) => Number(l.slice(l.search(/\s\d/)).trim().split(/\s+/)[0]));
    expect([...selfCol].sort((a, b) => b - a)).toEqual(selfCol);
    expect(table).toMatch(/more rows; rowLimit: 5/);
    expect(table).toMatch(/Profiled wall time [\d.]+ ms \(CPU [\d.]+ ms\); in kernels [\d.]+ ms \([\d.]+%\) in \d+ calls; outside kernels/);
    expect(table).toMatch(/Fresh buffers \d+ \([\d.]+ KiB\); GC \d+ pauses?, [\d.]+ ms/);
    // By calls: the first row has the most calls.
    const byCalls = result.keyAverages().sort((a, b) => b.calls - a.calls);
    const first = result.table({ sortBy: 'calls', rowLimit: 1 }).split('\n')[3];
    expect(first.endsWith(String(byCalls[0].calls))).toBe(true);
    const kernels = result.table({ by: 'kernel', rowLimit: Infinity });
    expect(kernels.split('\n')[1]).toMatch(/^Kernel\s+Total ms\s+Total %\s+Mean ms\s+Calls$/);
    expect(kernels).toMatch(/\ngemm\s/);
    expect(kernels).not.toMatch(/more rows/);
  });

  it('serialises to JSON', () => {
    const json = JSON.parse(JSON.stringify(result)) as ReturnType<ProfileResult['toJSON']>;
    expect(json.totals.kernelCalls).toBe(result.totals.kernelCalls);
    expect(json.ops.find((r) => r.name === 'conv2d')!.calls).toBe(2);
    expect(json.kernels.find((r) => r.name === 'gemm')!.calls).toBe(calls(result.kernels, 'gemm'));
  });

  it('writes a Chrome trace of complete events', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-profile-'));
    const path = join(dir, 'step.trace.json');
    result.exportChromeTrace(path);
    const trace = JSON.parse(readFileSync(path, 'utf8')) as { traceEvents: { ph: string; cat?: string; name: string; ts?: number; dur?: number; args?: Record<string, string> }[] };
    const complete = trace.traceEvents.filter((e) => e.ph === 'X');
    expect(complete).toHaveLength(result.spans.length);
    for (const e of complete) {
      expect(e.ts).toBeGreaterThanOrEqual(0);
      expect(e.dur).toBeGreaterThanOrEqual(0);
      expect(['kernel', 'op', 'backward', 'scope']).toContain(e.cat);
    }
    expect(complete.filter((e) => e.cat === 'op' && e.name === 'conv2d')).toHaveLength(2);
    expect(complete.some((e) => e.cat === 'kernel' && e.name === 'gemm' && e.args?.op === 'linear')).toBe(true);
    expect(trace.traceEvents.some((e) => e.ph === 'M' && e.name === 'process_name')).toBe(true);
    expect(() => result.exportChromeTrace('')).toThrow(/exportChromeTrace: path must be a non-empty string, got ""/);
    expect(() => result.exportChromeTrace(dir)).toThrow(/exportChromeTrace: cannot save to .*: it is a directory/);
    expect(() => result.exportChromeTrace(join(dir, 'missing', 'x.json'))).toThrow(/exportChromeTrace: cannot save to .*its folder does not exist/);
  });
});

describe('ProfilerCallback', () => {
  function batches(n: number): [L.Tensor, L.Tensor][] {
    L.manualSeed(1);
    return Array.from({ length: n }, () => [L.rand([4, 1, 8, 8]), L.randint(0, 3, [4])] as [L.Tensor, L.Tensor]);
  }

  it('records exactly the active steps of the schedule', async () => {
    const { model, optimizer } = smallCnn();
    const traces: ProfileResult[] = [];
    const profiler = new ProfilerCallback({ wait: 1, warmup: 1, active: 3, repeat: 1, onTraceReady: (r) => { traces.push(r); } });
    await fit(model, { optimizer, loss: L.crossEntropy, trainData: batches(7), epochs: 1, callbacks: [profiler] });
    expect(traces).toHaveLength(1);
    const r = traces[0];
    expect(profiler.lastResult).toBe(r);
    expect(r.totals.steps).toBe(3);
    // Steps 0 (wait) and 1 (warm-up) are left out, 2-4 recorded, 5-6 after the one cycle.
    const steps = r.ops.filter((row) => row.name.startsWith('ProfilerStep#')).map((row) => [row.name, row.calls, row.kind]);
    expect(steps.sort()).toEqual([['ProfilerStep#2', 1, 'scope'], ['ProfilerStep#3', 1, 'scope'], ['ProfilerStep#4', 1, 'scope']]);
    expect(calls(r.ops, 'conv2d')).toBe(6);
    expect(calls(r.ops, 'backward')).toBe(3);
    expect(calls(r.kernels, 'adamStep')).toBe(3);
    // Adam's kernels are unclaimed by ops, and counted to their step's scope.
    expect(calls(r.ops, '[adamStep]')).toBe(0);
    expectSaneTimes(r);
    expect(profiling.observer).toBeNull();
  });

  it('repeats cycles until training ends, handing over a cycle cut short', async () => {
    const { model, optimizer } = smallCnn();
    const steps: (number | undefined)[] = [];
    const conv: number[] = [];
    const profiler = new ProfilerCallback({ wait: 1, active: 2, recordShapes: true, onTraceReady: (r) => { steps.push(r.totals.steps); conv.push(r.keyAverages({ groupByInputShape: false }).find((x) => x.name === 'conv2d')!.calls); } });
    // Cycles of 3: steps 1-2 and 4-5 recorded; step 7 starts a third cycle cut short by the end.
    await fit(model, { optimizer, loss: L.crossEntropy, trainData: batches(8), epochs: 1, callbacks: [profiler] });
    expect(steps).toEqual([2, 2, 1]);
    expect(conv).toEqual([4, 4, 2]);
    expect(profiler.lastResult!.ops.filter((r) => r.name.startsWith('ProfilerStep#')).map((r) => r.name)).toEqual(['ProfilerStep#7']);
    expect(profiling.observer).toBeNull();
  });

  it('skips skipFirst steps, drops a warm-up that training cuts short, and stop() takes the hooks off', async () => {
    const { model, optimizer } = smallCnn();
    let ready = 0;
    const late = new ProfilerCallback({ skipFirst: 2, warmup: 2, active: 1, onTraceReady: () => { ready++; } });
    await fit(model, { optimizer, loss: L.crossEntropy, trainData: batches(3), epochs: 1, callbacks: [late] });
    expect(ready).toBe(0);
    expect(late.lastResult).toBeNull();
    expect(profiling.observer).toBeNull();
    // A fit that throws mid-recording leaves the hooks on until stop() (or the next fit).
    const profiler = new ProfilerCallback({ active: 5 });
    const bad = batches(3);
    bad[1] = [L.rand([4, 1, 8, 8]), L.tensor([0, 1], { dtype: 'int32' })];
    await expect(fit(model, { optimizer, loss: L.crossEntropy, trainData: bad, epochs: 1, callbacks: [profiler] })).rejects.toThrow();
    expect(profiling.observer).not.toBeNull();
    expect(() => profile(() => {})).toThrow(/started by ProfilerCallback.*call its stop\(\)/);
    profiler.stop();
    expect(profiling.observer).toBeNull();
  });

  it('checks its options', () => {
    expect(() => new ProfilerCallback({} as never)).toThrow(/ProfilerCallback: active must be an integer >= 1, got undefined/);
    expect(() => new ProfilerCallback({ active: 0 })).toThrow(/ProfilerCallback: active must be an integer >= 1, got 0/);
    expect(() => new ProfilerCallback({ active: 1, wait: -1 })).toThrow(/ProfilerCallback: wait must be an integer >= 0, got -1/);
    expect(() => new ProfilerCallback({ active: 1, warmup: 1.5 })).toThrow(/ProfilerCallback: warmup must be an integer >= 0, got 1.5/);
    expect(() => new ProfilerCallback({ active: 1, onTraceReady: 3 as never })).toThrow(/ProfilerCallback: onTraceReady must be a function, got number/);
    expect(() => new ProfilerCallback({ active: 1, clock: 'x' as 'wall' })).toThrow(/ProfilerCallback: clock must be 'wall' or 'cpu', got "x"/);
    expect(() => new ProfilerCallback(null as never)).toThrow(ArgumentError);
  });
});

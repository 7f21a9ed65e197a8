/**
 * Walks the op registry (src/ops/registry.ts):
 *  - every Backend kernel is reached by some registered op's samples;
 *  - each op's samples really call the kernels it declares (checked by
 *    counting calls on the reference backend);
 *  - every sample gives the same result on the native and reference backends;
 *  - every differentiable op passes gradcheck in float64 on some sample.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as L from '../src/index';
import { nativeAddon, referenceBackend } from '../src/backend/index';
import { registeredOps, registerOp, type OpRegistration, type SampleDType } from '../src/ops/registry';
import { closeness, onBackend } from './helpers/backends';

/**
 * Kernels whose op families have not registered yet. Each entry is a debt: the
 * test fails when a listed kernel becomes covered (remove it then), and a
 * kernel missing from both the registry and this list fails too.
 */
const PENDING_REGISTRATION = new Set<string>([]);

const ops = registeredOps();
const kernels = Object.keys(referenceBackend).filter((k) => k !== 'name' && typeof (referenceBackend as unknown as Record<string, unknown>)[k] === 'function');

function outputsOf(y: L.Tensor | L.Tensor[]): L.Tensor[] {
  return Array.isArray(y) ? y : [y];
}

function inputsFor(op: OpRegistration, sampleIndex: number, dtype: SampleDType): L.Tensor[] {
  L.manualSeed(1000 + sampleIndex);
  return op.samples[sampleIndex].inputs(dtype);
}

/**
 * Runs every sample of every op on the reference backend (forward, and backward
 * where the op is differentiable), recording which kernels the op itself calls.
 */
function kernelsCalledByOp(): Map<string, Set<string>> {
  const calls = new Map<string, Set<string>>();
  const table = referenceBackend as unknown as Record<string, (...args: unknown[]) => unknown>;
  const originals = new Map(kernels.map((k) => [k, table[k]]));
  let current = new Set<string>();
  for (const k of kernels) table[k] = (...args: unknown[]) => { current.add(k); return originals.get(k)!(...args); };
  try {
    onBackend('reference', () => {
      for (const op of ops) {
        const own = new Set<string>();
        op.samples.forEach((_, i) => {
          // Inputs are made before counting starts: creating them is not the op's doing.
          const inputs = inputsFor(op, i, 'float64');
          const wrt = op.differentiable ? gradInputs(op, i, inputs) : [];
          for (const k of wrt) inputs[k].requiresGrad = true;
          current = new Set();
          const ys = outputsOf(op.run(...inputs)).filter((y) => y.requiresGrad);
          if (wrt.length && ys.length) L.grad(ys.map((y) => L.sum(y)).reduce((acc, y) => acc.add(y)), wrt.map((k) => inputs[k]), { allowUnused: true });
          for (const k of current) own.add(k);
        });
        calls.set(op.name, own);
      }
    });
  } finally {
    for (const k of kernels) table[k] = originals.get(k)!;
  }
  return calls;
}

function gradInputs(op: OpRegistration, sampleIndex: number, inputs: L.Tensor[]): number[] {
  const wrt = op.samples[sampleIndex].wrt;
  if (wrt) return wrt;
  return inputs.map((t, i) => (t.dtype === 'float64' ? i : -1)).filter((i) => i >= 0);
}

describe('op registry coverage', () => {
  it('registers the foundation families', () => {
    const names = new Set(ops.map((o) => o.name));
    for (const n of ['add', 'exp', 'sum', 'max(dim)', 'softmax', 'matmul', 'transpose', 'to', 'gather', 'rand']) expect(names.has(n), n).toBe(true);
  });

  it('registerOp rejects duplicates and malformed entries', () => {
    const entry = ops[0];
    expect(() => registerOp(entry)).toThrow(/already registered/);
    expect(() => registerOp({ ...entry, name: '' })).toThrow(L.ArgumentError);
    expect(() => registerOp({ ...entry, name: 'x-no-samples', samples: [] })).toThrow(/at least one sample/);
    expect(() => registerOp({ ...entry, name: 'x-no-run', run: undefined as never })).toThrow(/run function/);
  });

  describe('kernels', () => {
    let called: Map<string, Set<string>>;
    beforeAll(() => { called = kernelsCalledByOp(); });

    it('every Backend kernel is reached by some registered op (or is listed as pending)', () => {
      const reached = new Set([...called.values()].flatMap((s) => [...s]));
      const declared = new Set(ops.flatMap((o) => o.kernels as readonly string[]));
      const uncovered = kernels.filter((k) => !(reached.has(k) && declared.has(k)) && !PENDING_REGISTRATION.has(k));
      expect(uncovered, 'kernels with no registered op: register the family (see CONTRIBUTING.md)').toEqual([]);
      const nowCovered = [...PENDING_REGISTRATION].filter((k) => reached.has(k) && declared.has(k));
      expect(nowCovered, 'covered now: remove from PENDING_REGISTRATION').toEqual([]);
      const unknown = [...PENDING_REGISTRATION].filter((k) => !kernels.includes(k));
      expect(unknown, 'PENDING_REGISTRATION names kernels that do not exist').toEqual([]);
    });

    it('each op reaches every kernel it declares', () => {
      for (const op of ops) {
        const missing = op.kernels.filter((k) => !called.get(op.name)!.has(k));
        expect(missing, `${op.name} declares kernels its samples never call`).toEqual([]);
      }
    });
  });

  describe.runIf(nativeAddon() !== null)('parity of every sample: native vs reference', () => {
    for (const op of ops.filter((o) => o.kernels.length > 0)) {
      it(op.name, () => {
        for (const dtype of op.dtypes ?? (['float32', 'float64'] as const)) {
          const tol = op.tolerance?.[dtype] ?? (dtype === 'float32' ? 1e-5 : 1e-12);
          op.samples.forEach((sample, i) => {
            const inputs = inputsFor(op, i, dtype);
            const ref = outputsOf(onBackend('reference', () => op.run(...inputs)));
            const nat = outputsOf(onBackend('native', () => op.run(...inputs)));
            const tag = `${op.name} ${sample.label} ${dtype}`;
            expect(nat.length, tag).toBe(ref.length);
            nat.forEach((y, k) => {
              expect(y.shape, `${tag} output ${k}`).toEqual(ref[k].shape);
              expect(y.dtype, `${tag} output ${k}`).toBe(ref[k].dtype);
              expect(closeness(y.values, ref[k].values, tol, tol), `${tag} output ${k}`).toBeLessThanOrEqual(1);
            });
          });
        }
      });
    }
  });

  describe('gradcheck of every differentiable op (float64)', () => {
    let seedBefore: bigint;
    beforeAll(() => { seedBefore = L.initialSeed(); });
    afterAll(() => { L.manualSeed(seedBefore); });

    for (const op of ops.filter((o) => o.differentiable)) {
      it(op.name, () => {
        let checked = 0;
        op.samples.forEach((sample, i) => {
          const inputs = inputsFor(op, i, 'float64');
          const wrt = gradInputs(op, i, inputs);
          if (wrt.length === 0) return;
          for (const k of wrt) inputs[k].requiresGrad = true;
          // gradcheck projects with random vectors; a fixed seed keeps it repeatable.
          L.manualSeed(2000 + i);
          expect(L.gradcheck((...xs) => op.run(...xs), inputs, sample.gradcheck), `${op.name} ${sample.label}`).toBe(true);
          checked++;
        });
        expect(checked, `${op.name} is differentiable but no sample is gradchecked`).toBeGreaterThan(0);
      });
    }
  });
});


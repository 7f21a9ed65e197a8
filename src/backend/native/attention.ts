/** Thin wrappers over the addon's fused attention kernels (native/bindings/attention.cc). */
import type { AttentionMaskArg, Backend } from '../backend';
import type { NativeBinding } from './binding';

type AttentionKernels = Pick<Backend, 'attentionForward' | 'attentionBackward'>;

const maskParts = (m: AttentionMaskArg | null): [unknown, unknown, number, number] =>
  m ? [m.values, m.offsets, m.rowStride, m.colStride] : [null, null, 0, 0];

export function attentionKernels(addon: NativeBinding): AttentionKernels {
  return {
    attentionForward: (q, k, v, mask, out, lse, g) =>
      addon.attentionForward(q, k, v, ...maskParts(mask), out, lse, g.batch, g.L, g.S, g.E, g.Ev, g.scale, g.causal),
    attentionBackward: (q, k, v, out, dout, lse, mask, dq, dk, dv, g) =>
      addon.attentionBackward(q, k, v, out, dout, lse, ...maskParts(mask), dq, dk, dv, g.batch, g.L, g.S, g.E, g.Ev, g.scale, g.causal),
  };
}

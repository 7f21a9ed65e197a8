/**
 * The per-layer choice between ghost norms and materialised per-sample gradients, made by
 * measurement: on the first batch each layer that allows both runs both (norms plus the
 * clipped sum), twice, and keeps the faster. Which wins depends on the shapes: ghost costs
 * O(N·T²·(p+q)) for T positions, materialising O(N·T·p·q) and N·p·q memory.
 */
import { ones } from '../ops/creation';
import { matmul } from '../ops/matmul';
import { reshape } from '../ops/shape';
import { tidy } from '../tensor/tidy';
import type { AnyModule } from '../nn/module';
import type { LayerCall } from './grad-sample';
import { normSqOf, type NormMode } from './clip';

function timed(fn: () => void): number {
  let best = Infinity;
  for (let r = 0; r < 2; r++) {
    const t0 = performance.now();
    tidy(fn);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/**
 * Skips timing when one method is hopeless by its arithmetic (over 8x the other's
 * multiply-adds) or its memory: a conv with many output positions makes the Gram matrices N·T² large
 * enough that merely timing them would cost seconds.
 */
function hopeless(c: LayerCall): NormMode | null {
  const n = c.grad!.shape[0];
  const rows = c.grad!.size / n; // out-features × positions
  const p = c.rule.params(c.module)[0];
  if (!p) return null;
  const outFeatures = p.shape[0], inPerOut = p.size / outFeatures;
  const T = rows / outFeatures;
  const ghost = n * T * T * (inPerOut + outFeatures) + n * T * inPerOut * outFeatures;
  const mat = n * T * inPerOut * outFeatures + n * inPerOut * outFeatures;
  if (T > 1 && ghost > 8 * mat) return 'materialize';
  // Materialising also holds N·|W| values (over 128 MiB of float32 here): not worth timing.
  if (mat > 8 * ghost || n * p.size > 2 ** 25) return 'ghost';
  return null;
}

/**
 * Times ghost and materialised clipping for each layer called once in `calls`.
 * @example `measureModes(hooks.calls)` // Map { Linear => 'ghost', Conv2d => 'materialize' }
 */
export function measureModes(calls: LayerCall[]): Map<AnyModule, NormMode> {
  const out = new Map<AnyModule, NormMode>();
  const count = new Map<AnyModule, number>();
  for (const c of calls) count.set(c.module, (count.get(c.module) ?? 0) + 1);
  for (const c of calls) {
    const r = c.rule;
    if (!c.grad || count.get(c.module) !== 1 || !r.ghostNormSq || !r.weightedSum) { out.set(c.module, 'materialize'); continue; }
    const g = c.grad;
    const n = g.shape[0];
    const pruned = hopeless(c);
    if (pruned) { out.set(c.module, pruned); continue; }
    const cw = ones([n], { dtype: g.dtype as 'float32' | 'float64' });
    const ghost = timed(() => { r.ghostNormSq!(c.module, c.input, g); r.weightedSum!(c.module, c.input, g, cw); });
    const mat = timed(() => {
      const ps = r.perSample(c.module, c.input, g, { args: c.args, grads: c.extraGrads });
      normSqOf(ps);
      for (const p of ps) matmul(reshape(cw, [1, n]), reshape(p, [n, -1]));
    });
    out.set(c.module, ghost <= mat ? 'ghost' : 'materialize');
  }
  return out;
}

/**
 * The per-layer choice between ghost norms and materialised per-sample gradients, made by
 * measurement: on the first batch each layer that allows both runs both (norms plus the
 * clipped sum), twice, and keeps the faster. Which wins depends on the shapes: ghost costs
 * O(N·T²·(p+q)) for T positions, materialising O(N·T·p·q) and N·p·q memory.
 */
import { ones } from '../ops/creation';
import { mul } from '../ops/binary';
import { matmul } from '../ops/matmul';
import { reshape } from '../ops/shape';
import { tidy } from '../tensor/tidy';
import type { AnyModule } from '../nn/module';
import { lossScale, type LayerCall } from './grad-sample';
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
 * Times ghost and materialised clipping for each layer called once in `calls`.
 * @example `measureModes(hooks.calls, 'mean')` // Map { Linear => 'ghost', Conv2d => 'materialize' }
 */
export function measureModes(calls: LayerCall[], reduction: 'sum' | 'mean'): Map<AnyModule, NormMode> {
  const out = new Map<AnyModule, NormMode>();
  const scale = lossScale(calls, reduction);
  const count = new Map<AnyModule, number>();
  for (const c of calls) count.set(c.module, (count.get(c.module) ?? 0) + 1);
  for (const c of calls) {
    const r = c.rule;
    if (!c.grad || count.get(c.module) !== 1 || !r.ghostNormSq || !r.weightedSum) { out.set(c.module, 'materialize'); continue; }
    const g = scale === 1 ? c.grad : mul(c.grad, scale);
    const n = g.shape[0];
    const cw = ones([n], { dtype: g.dtype as 'float32' | 'float64' });
    const ghost = timed(() => { r.ghostNormSq!(c.module, c.input, g); r.weightedSum!(c.module, c.input, g, cw); });
    const mat = timed(() => {
      const ps = r.perSample(c.module, c.input, g, { args: c.args, grads: c.extraGrads.map((e) => (e && scale !== 1 ? mul(e, scale) : e)) });
      normSqOf(ps);
      for (const p of ps) matmul(reshape(cw, [1, n]), reshape(p, [n, -1]));
    });
    out.set(c.module, ghost <= mat ? 'ghost' : 'materialize');
  }
  return out;
}

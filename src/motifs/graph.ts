/**
 * Directed graphs from recurrent weight matrices. In h_t = φ(W h_{t−1} + ...)
 * the entry W[i, j] carries unit j's activity to unit i, so it becomes the
 * edge j → i. A gated cell's matrix [k·n, n] (LSTM: k = 4, GRU: k = 3) is
 * combined over its gate blocks by the L2 norm √Σ_g W_g[i, j]², one weight per
 * pair of units. Edges are the largest |w| (a fraction of the off-diagonal
 * entries) or those above a threshold; self-connections are left out (a
 * triad census ignores them).
 */
import { ArgumentError, ShapeError, fmtArg } from '../errors';
import { assertTensor } from '../ops/util';
import type { Tensor } from '../tensor/tensor';

/** A simple directed graph: adjacency[from * n + to] is 1 for an edge. */
export interface DirectedGraph {
  n: number;
  adjacency: Uint8Array;
}

export interface WeightGraphOptions {
  /** Keep the largest-magnitude fraction of the off-diagonal entries (default 0.1 when no threshold is given). */
  topFraction?: number;
  /** Keep entries with |w| > threshold instead. */
  threshold?: number;
}

/**
 * The n x n connection strengths |W[i, j]| of a recurrent matrix [n, n] or
 * gated [k·n, n], row-major by [to, from].
 * @example `const m = motifs.recurrentMagnitudes(lstm.getParameter('weight_hh_l0')!)`
 */
export function recurrentMagnitudes(weight: Tensor): { n: number; magnitude: Float64Array } {
  const op = 'recurrentMagnitudes';
  assertTensor(op, 'weight', weight);
  if (weight.ndim !== 2 || weight.shape[0] % weight.shape[1] !== 0) {
    throw new ShapeError(`${op}: weight must be [n, n] or [k·n, n] (gate blocks), got ${weight.describe()}`);
  }
  const n = weight.shape[1], k = weight.shape[0] / n, w = weight.values;
  const magnitude = new Float64Array(n * n);
  for (let g = 0; g < k; g++) for (let i = 0; i < n * n; i++) magnitude[i] += w[g * n * n + i] ** 2;
  for (let i = 0; i < n * n; i++) magnitude[i] = Math.sqrt(magnitude[i]);
  return { n, magnitude };
}

/**
 * The directed graph of a recurrent weight matrix: edge j → i for the kept entries W[i, j].
 * @example `const g = motifs.weightGraph(rnn.getParameter('weight_hh_l0')!, { topFraction: 0.1 })`
 */
export function weightGraph(weight: Tensor, opts: WeightGraphOptions = {}): DirectedGraph {
  const op = 'weightGraph';
  const { n, magnitude } = recurrentMagnitudes(weight);
  const offDiagonal: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (i !== j) offDiagonal.push(magnitude[i * n + j]);
  let cut: number;
  if (opts.threshold !== undefined) {
    if (typeof opts.threshold !== 'number' || !(opts.threshold >= 0)) throw new ArgumentError(`${op}: threshold must be a number >= 0, got ${fmtArg(opts.threshold)}`);
    cut = opts.threshold;
  } else {
    const fraction = opts.topFraction ?? 0.1;
    if (typeof fraction !== 'number' || !(fraction > 0 && fraction <= 1)) throw new ArgumentError(`${op}: topFraction must be in (0, 1], got ${fmtArg(fraction)}`);
    const keep = Math.max(1, Math.round(fraction * offDiagonal.length));
    offDiagonal.sort((a, b) => b - a);
    // Strictly above the next value, so exactly `keep` entries survive unless there are ties at the cut.
    cut = keep < offDiagonal.length ? offDiagonal[keep] : -1;
  }
  const adjacency = new Uint8Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) if (i !== j && magnitude[i * n + j] > cut) adjacency[j * n + i] = 1;
  }
  return { n, adjacency };
}

/**
 * A graph from an edge list (handy for tests and hand-made networks).
 * @example `const g = motifs.graphFromEdges(3, [[0, 1], [1, 2], [0, 2]]) // a feed-forward loop`
 */
export function graphFromEdges(n: number, edges: [number, number][]): DirectedGraph {
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`graphFromEdges: n must be an integer >= 0, got ${fmtArg(n)}`);
  const adjacency = new Uint8Array(n * n);
  edges.forEach(([a, b], i) => {
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= n || b >= n || a === b) {
      throw new ArgumentError(`graphFromEdges: edges[${i}] = [${a}, ${b}] must join two different nodes in [0, ${n})`);
    }
    adjacency[a * n + b] = 1;
  });
  return { n, adjacency };
}

/** Out- and in-degrees of every node. @example `const { out, in: inDeg } = motifs.degrees(g)` */
export function degrees(g: DirectedGraph): { out: Int32Array; in: Int32Array } {
  const out = new Int32Array(g.n), inDeg = new Int32Array(g.n);
  for (let a = 0; a < g.n; a++) for (let b = 0; b < g.n; b++) if (g.adjacency[a * g.n + b]) { out[a]++; inDeg[b]++; }
  return { out, in: inDeg };
}

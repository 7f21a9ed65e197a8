/**
 * Degree-preserving randomisation by edge switching (Maslov & Sneppen 2002,
 * as used by Milo et al. 2002): pick two edges a → b and c → d and rewire them
 * to a → d and c → b when that creates neither a self-loop nor a duplicate
 * edge. Every node keeps its out-degree and its in-degree; everything else
 * (reciprocity, clustering, motifs) is randomised. `swapsPerEdge` accepted
 * switches per edge (default 10) mix the graph well.
 */
import { getDefaultGenerator, type PhiloxStream } from '../backend/philox';
import { ArgumentError, fmtArg } from '../errors';
import type { DirectedGraph } from './graph';

/** Options of `randomiseGraph` (Maslov & Sneppen 2002 edge switching): accepted switches per edge (default 10) and the random generator (default: the global one). @example `motifs.randomiseGraph(g, { swapsPerEdge: 10 })` */
export interface RandomiseOptions {
  swapsPerEdge?: number;
  generator?: PhiloxStream;
}

/**
 * A random graph with the same in- and out-degree of every node.
 * @example `const r = motifs.randomiseGraph(g, { swapsPerEdge: 10, generator: new PhiloxStream(1) })`
 */
export function randomiseGraph(g: DirectedGraph, opts: RandomiseOptions = {}): DirectedGraph {
  const swapsPerEdge = opts.swapsPerEdge ?? 10;
  if (typeof swapsPerEdge !== 'number' || !(swapsPerEdge >= 0)) throw new ArgumentError(`randomiseGraph: swapsPerEdge must be a number >= 0, got ${fmtArg(swapsPerEdge)}`);
  const rng = opts.generator ?? getDefaultGenerator();
  const { n } = g;
  const adj = g.adjacency.slice();
  const from: number[] = [], to: number[] = [];
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (adj[a * n + b]) { from.push(a); to.push(b); }
  const m = from.length;
  if (m < 2) return { n, adjacency: adj };
  const wanted = Math.round(swapsPerEdge * m);
  // Give up after many rejected tries (a graph with no legal switch, e.g. a complete one).
  const maxTries = 100 * wanted + 1000;
  let done = 0, tries = 0;
  let u = rng.uniform(4096, 'float64'), at = 0;
  const next = (): number => {
    if (at === u.length) { u = rng.uniform(4096, 'float64'); at = 0; }
    return u[at++];
  };
  while (done < wanted && tries < maxTries) {
    tries++;
    const i = Math.floor(next() * m), j = Math.floor(next() * m);
    const a = from[i], b = to[i], c = from[j], d = to[j];
    if (i === j || a === d || c === b || b === d || a === c) continue;
    if (adj[a * n + d] || adj[c * n + b]) continue;
    adj[a * n + b] = 0; adj[c * n + d] = 0;
    adj[a * n + d] = 1; adj[c * n + b] = 1;
    to[i] = d; to[j] = b;
    done++;
  }
  return { n, adjacency: adj };
}

/**
 * Motif significance (Milo et al. 2002): the count of each connected triad in
 * the real graph against its distribution over degree-preserving randomised
 * graphs, as a z-score z = (N_real − mean N_rand) / std N_rand. A motif is
 * over-represented when z is large and positive.
 */
import { PhiloxStream } from '../backend/philox';
import { ArgumentError, fmtArg } from '../errors';
import type { DirectedGraph } from './graph';
import { randomiseGraph } from './randomise';
import { MOTIF_NAMES, triadCensus, type TriadName } from './triads';

/** One motif's row of `motifZScores` (Milo et al. 2002): the triad class, its count in the real graph, the mean and standard deviation of its count over the randomised graphs, and the z-score. @example `for (const s of motifs.motifZScores(g)) console.log(s.motif, s.count, s.z.toFixed(1))` */
export interface MotifStatistic {
  motif: TriadName;
  count: number;
  randomMean: number;
  randomStd: number;
  /** (count − randomMean) / randomStd; 0 when both agree exactly and std is 0, ±Infinity when only std is 0. */
  z: number;
}

/** Options of `motifZScores`: how many degree-preserving randomised graphs (>= 2, default 100), the accepted edge switches per edge of each (default 10), and the seed. @example `motifs.motifZScores(g, { randomisations: 200, swapsPerEdge: 20, seed: 1 })` */
export interface MotifZScoreOptions {
  /** Randomised graphs (default 100). */
  randomisations?: number;
  swapsPerEdge?: number;
  /** Seed of the randomisations (default 0). */
  seed?: number;
}

/**
 * The 13 connected triads' counts and z-scores against randomised graphs.
 * @example `const stats = motifs.motifZScores(g, { randomisations: 100 }); stats.find((s) => s.motif === '030T')!.z`
 */
export function motifZScores(g: DirectedGraph, opts: MotifZScoreOptions = {}): MotifStatistic[] {
  const randomisations = opts.randomisations ?? 100;
  if (!Number.isInteger(randomisations) || randomisations < 2) throw new ArgumentError(`motifZScores: randomisations must be an integer >= 2, got ${fmtArg(randomisations)}`);
  const generator = new PhiloxStream(opts.seed ?? 0);
  const real = triadCensus(g);
  const sum = new Map<TriadName, number>(), sq = new Map<TriadName, number>();
  for (let r = 0; r < randomisations; r++) {
    const census = triadCensus(randomiseGraph(g, { swapsPerEdge: opts.swapsPerEdge, generator }));
    for (const m of MOTIF_NAMES) {
      sum.set(m, (sum.get(m) ?? 0) + census[m]);
      sq.set(m, (sq.get(m) ?? 0) + census[m] ** 2);
    }
  }
  return MOTIF_NAMES.map((motif) => {
    const mean = sum.get(motif)! / randomisations;
    const variance = Math.max(0, (sq.get(motif)! - randomisations * mean * mean) / (randomisations - 1));
    const std = Math.sqrt(variance);
    const diff = real[motif] - mean;
    const z = std > 1e-12 ? diff / std : Math.abs(diff) < 1e-9 ? 0 : Math.sign(diff) * Infinity;
    return { motif, count: real[motif], randomMean: mean, randomStd: std, z };
  });
}

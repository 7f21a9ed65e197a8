/**
 * motifs: network-motif analysis of recurrent weight matrices. Extract the
 * directed graph of a recurrent layer (top-k% or thresholded |w|), count the
 * 16 triad classes (13 connected 3-node motifs: feed-forward loops, cycles,
 * reciprocal pairs ...), randomise the graph keeping every in- and out-degree,
 * and score each motif by its z-score against the randomised graphs.
 * @example
 * import { motifs, nn } from 'lattice-ml';
 * const lstm = new nn.LSTM(4, 64);
 * const g = motifs.weightGraph(lstm.getParameter('weight_hh_l0')!, { topFraction: 0.1 });
 * console.table(motifs.motifZScores(g, { randomisations: 50 }));
 */
export { weightGraph, recurrentMagnitudes, graphFromEdges, degrees, type DirectedGraph, type WeightGraphOptions } from './graph';
export { triadCensus, dyadCensus, TRIAD_NAMES, MOTIF_NAMES, TRIAD_DESCRIPTIONS, type TriadName } from './triads';
export { randomiseGraph, type RandomiseOptions } from './randomise';
export { motifZScores, type MotifStatistic, type MotifZScoreOptions } from './zscores';

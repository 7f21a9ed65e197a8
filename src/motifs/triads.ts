/**
 * The triad census (Holland & Leinhardt): every unordered triple of nodes
 * falls into one of 16 isomorphism classes of 3-node directed graphs, named
 * M-A-N by their counts of mutual, asymmetric and null dyads. The 13
 * connected ones are the 3-node motifs of Milo et al. 2002; among them 030T is
 * the feed-forward loop and 030C the 3-cycle.
 *
 * Method: a triple's six possible edges form a 6-bit code; each code maps to
 * its class through a 64-entry table built once by canonicalising (smallest
 * code over the 6 node orders) the codes and the templates below.
 */
import type { DirectedGraph } from './graph';

/** The 16 triad classes of the triad census in M-A-N notation (Holland & Leinhardt), the three unconnected ones ('003', '012', '102') first; the keys of `triadCensus`. @example `for (const t of motifs.TRIAD_NAMES) console.log(t, motifs.TRIAD_DESCRIPTIONS[t])` */
export const TRIAD_NAMES = ['003', '012', '102', '021D', '021U', '021C', '111D', '111U', '030T', '030C', '201', '120D', '120U', '120C', '210', '300'] as const;
/** The name of one triad class, e.g. '030T' (the feed-forward loop) or '030C' (the 3-cycle). @example `const ffl: motifs.TriadName = '030T'` */
export type TriadName = typeof TRIAD_NAMES[number];

/** The 13 connected triads: the 3-node motifs. */
export const MOTIF_NAMES: readonly TriadName[] = TRIAD_NAMES.slice(3);

/** What each class looks like (nodes A, B, C), as in the triad-census literature. */
export const TRIAD_DESCRIPTIONS: Record<TriadName, string> = {
  '003': 'empty', '012': 'A→B', '102': 'A↔B', '021D': 'A←B→C (out-star)', '021U': 'A→B←C (in-star)', '021C': 'A→B→C (chain)',
  '111D': 'A↔B←C', '111U': 'A↔B→C', '030T': 'A→B←C, A→C (feed-forward loop)', '030C': 'A←B←C, A→C (3-cycle)',
  '201': 'A↔B↔C', '120D': 'A←B→C, A↔C', '120U': 'A→B←C, A↔C', '120C': 'A→B→C, A↔C', '210': 'A→B↔C, A↔C', '300': 'A↔B↔C, A↔C (complete)',
};

/** Template edges over nodes 0 = A, 1 = B, 2 = C. */
const TEMPLATES: Record<TriadName, [number, number][]> = {
  '003': [], '012': [[0, 1]], '102': [[0, 1], [1, 0]], '021D': [[1, 0], [1, 2]], '021U': [[0, 1], [2, 1]], '021C': [[0, 1], [1, 2]],
  '111D': [[0, 1], [1, 0], [2, 1]], '111U': [[0, 1], [1, 0], [1, 2]], '030T': [[0, 1], [2, 1], [0, 2]], '030C': [[1, 0], [2, 1], [0, 2]],
  '201': [[0, 1], [1, 0], [1, 2], [2, 1]], '120D': [[1, 0], [1, 2], [0, 2], [2, 0]], '120U': [[0, 1], [2, 1], [0, 2], [2, 0]],
  '120C': [[0, 1], [1, 2], [0, 2], [2, 0]], '210': [[0, 1], [1, 2], [2, 1], [0, 2], [2, 0]],
  '300': [[0, 1], [1, 0], [1, 2], [2, 1], [0, 2], [2, 0]],
};

/** The bit of edge (from, to) in a triple's code, nodes numbered 0..2. */
const BIT: number[][] = [[-1, 0, 2], [1, -1, 4], [3, 5, -1]];
const PERMUTATIONS = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];

function encode(edges: [number, number][]): number {
  return edges.reduce((code, [a, b]) => code | (1 << BIT[a][b]), 0);
}

function canonical(code: number): number {
  let best = Infinity;
  for (const p of PERMUTATIONS) {
    let c = 0;
    for (let a = 0; a < 3; a++) for (let b = 0; b < 3; b++) if (a !== b && code & (1 << BIT[a][b])) c |= 1 << BIT[p[a]][p[b]];
    best = Math.min(best, c);
  }
  return best;
}

/** CODE_CLASS[code] = index into TRIAD_NAMES. */
const CODE_CLASS: Uint8Array = (() => {
  const byCanonical = new Map<number, number>();
  TRIAD_NAMES.forEach((name, k) => byCanonical.set(canonical(encode(TEMPLATES[name])), k));
  const table = new Uint8Array(64);
  for (let code = 0; code < 64; code++) table[code] = byCanonical.get(canonical(code))!;
  return table;
})();

/**
 * Counts of all 16 triad classes over every unordered triple of nodes.
 * O(n³): fine for the few hundred units of a recurrent layer.
 * @example `const census = motifs.triadCensus(g); census['030T'] // feed-forward loops`
 */
export function triadCensus(g: DirectedGraph): Record<TriadName, number> {
  const { n, adjacency: adj } = g;
  const counts = new Float64Array(16);
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const ab = adj[a * n + b] | (adj[b * n + a] << 1);
      for (let c = b + 1; c < n; c++) {
        const code = ab | (adj[a * n + c] << 2) | (adj[c * n + a] << 3) | (adj[b * n + c] << 4) | (adj[c * n + b] << 5);
        counts[CODE_CLASS[code]]++;
      }
    }
  }
  return Object.fromEntries(TRIAD_NAMES.map((name, k) => [name, counts[k]])) as Record<TriadName, number>;
}

/**
 * Mutual (reciprocal), asymmetric and null dyads.
 * @example `motifs.dyadCensus(g).mutual // reciprocal pairs`
 */
export function dyadCensus(g: DirectedGraph): { mutual: number; asymmetric: number; null: number } {
  const { n, adjacency: adj } = g;
  let mutual = 0, asymmetric = 0;
  for (let a = 0; a < n; a++) {
    for (let b = a + 1; b < n; b++) {
      const s = adj[a * n + b] + adj[b * n + a];
      if (s === 2) mutual++;
      else if (s === 1) asymmetric++;
    }
  }
  return { mutual, asymmetric, null: (n * (n - 1)) / 2 - mutual - asymmetric };
}

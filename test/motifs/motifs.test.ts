/**
 * Triad census against an independent brute-force classifier (M-A-N dyad
 * counts and orientation rules, per unordered triple) on small random graphs;
 * degree preservation of the randomisation; graph extraction; z-scores.
 */
import { describe, expect, it } from 'vitest';
import { PhiloxStream, motifs, tensor } from '../../src/index';

/** Classifies one triple by the textbook M-A-N rules (no lookup table). */
function classifyByRules(adj: Uint8Array, n: number, nodes: [number, number, number]): string {
  const e = (a: number, b: number): boolean => adj[a * n + b] === 1;
  const pairs: [number, number][] = [[nodes[0], nodes[1]], [nodes[0], nodes[2]], [nodes[1], nodes[2]]];
  let M = 0, A = 0;
  for (const [a, b] of pairs) { if (e(a, b) && e(b, a)) M++; else if (e(a, b) || e(b, a)) A++; }
  const N = 3 - M - A;
  const out = (v: number): number => nodes.filter((w) => w !== v && e(v, w)).length;
  const inn = (v: number): number => nodes.filter((w) => w !== v && e(w, v)).length;
  const key = `${M}${A}${N}`;
  if (key === '003' || key === '012' || key === '102' || key === '201' || key === '210' || key === '300') return key;
  if (key === '021') {
    const hub = nodes.find((v) => out(v) + inn(v) === 2)!;
    return out(hub) === 2 ? '021D' : inn(hub) === 2 ? '021U' : '021C';
  }
  if (key === '030') return nodes.every((v) => out(v) === 1) ? '030C' : '030T';
  // One mutual pair; the remaining node z.
  const [x, y] = pairs.find(([a, b]) => e(a, b) && e(b, a))!;
  const z = nodes.find((v) => v !== x && v !== y)!;
  if (key === '111') {
    // 111U: A↔B→C (the mutual pair sends to z); 111D: A↔B←C.
    return e(x, z) || e(y, z) ? '111U' : '111D';
  }
  // 120: z has two asymmetric edges to the pair.
  if (out(z) === 2) return '120D';
  if (inn(z) === 2) return '120U';
  return '120C';
}

function randomGraph(n: number, p: number, seed: number): motifs.DirectedGraph {
  const u = new PhiloxStream(seed).uniform(n * n, 'float64');
  const edges: [number, number][] = [];
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (a !== b && u[a * n + b] < p) edges.push([a, b]);
  return motifs.graphFromEdges(n, edges);
}

describe('triadCensus', () => {
  it('names each template triad correctly', () => {
    const cases: [string, [number, number][]][] = [
      ['012', [[0, 1]]], ['102', [[0, 1], [1, 0]]], ['021D', [[1, 0], [1, 2]]], ['021U', [[0, 1], [2, 1]]], ['021C', [[0, 1], [1, 2]]],
      ['111D', [[0, 1], [1, 0], [2, 1]]], ['111U', [[0, 1], [1, 0], [1, 2]]], ['030T', [[0, 1], [1, 2], [0, 2]]], ['030C', [[0, 1], [1, 2], [2, 0]]],
      ['201', [[0, 1], [1, 0], [1, 2], [2, 1]]], ['120D', [[1, 0], [1, 2], [0, 2], [2, 0]]], ['120U', [[0, 1], [2, 1], [0, 2], [2, 0]]],
      ['120C', [[0, 1], [1, 2], [0, 2], [2, 0]]], ['210', [[0, 1], [1, 2], [2, 1], [0, 2], [2, 0]]], ['300', [[0, 1], [1, 0], [1, 2], [2, 1], [0, 2], [2, 0]]],
    ];
    for (const [name, edges] of cases) {
      const census = motifs.triadCensus(motifs.graphFromEdges(3, edges));
      expect(census[name as motifs.TriadName]).toBe(1);
      expect(Object.values(census).reduce((s, v) => s + v, 0)).toBe(1);
    }
  });

  for (const [n, p, seed] of [[7, 0.3, 1], [9, 0.5, 2], [10, 0.15, 3], [8, 0.8, 4]] as const) {
    it(`matches the brute-force rule classifier on a random ${n}-node graph (p = ${p})`, () => {
      const g = randomGraph(n, p, seed);
      const expected: Record<string, number> = Object.fromEntries(motifs.TRIAD_NAMES.map((t) => [t, 0]));
      for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) for (let c = b + 1; c < n; c++) expected[classifyByRules(g.adjacency, n, [a, b, c])]++;
      expect(motifs.triadCensus(g)).toEqual(expected);
    });
  }

  it('counts dyads: mutual (reciprocal pairs), asymmetric and null', () => {
    const g = motifs.graphFromEdges(4, [[0, 1], [1, 0], [1, 2], [3, 2]]);
    expect(motifs.dyadCensus(g)).toEqual({ mutual: 1, asymmetric: 2, null: 3 });
  });
});

describe('randomiseGraph', () => {
  it('keeps every in- and out-degree and the edge count, and changes the wiring', () => {
    const g = randomGraph(30, 0.15, 5);
    const before = motifs.degrees(g);
    const r = motifs.randomiseGraph(g, { swapsPerEdge: 10, generator: new PhiloxStream(9) });
    const after = motifs.degrees(r);
    expect(Array.from(after.out)).toEqual(Array.from(before.out));
    expect(Array.from(after.in)).toEqual(Array.from(before.in));
    for (let i = 0; i < 30; i++) expect(r.adjacency[i * 30 + i]).toBe(0);
    let changed = 0;
    for (let i = 0; i < g.adjacency.length; i++) if (g.adjacency[i] !== r.adjacency[i]) changed++;
    expect(changed).toBeGreaterThan(50);
    expect(Array.from(g.adjacency)).toEqual(Array.from(randomGraph(30, 0.15, 5).adjacency));
  });

  it('returns a graph with no legal switch (complete) unchanged instead of looping', () => {
    const edges: [number, number][] = [];
    for (let a = 0; a < 4; a++) for (let b = 0; b < 4; b++) if (a !== b) edges.push([a, b]);
    const g = motifs.graphFromEdges(4, edges);
    expect(Array.from(motifs.randomiseGraph(g, { swapsPerEdge: 1 }).adjacency)).toEqual(Array.from(g.adjacency));
  });
});

describe('weightGraph and motifZScores', () => {
  it('turns W[i, j] into the edge j → i, keeps the top fraction, drops the diagonal and combines gate blocks', () => {
    const w = tensor([[9, 0.1, 5], [0.2, 9, 0.3], [4, 0.1, 9]]);
    const g = motifs.weightGraph(w, { topFraction: 2 / 6 });
    // Largest off-diagonal |w|: W[0,2] = 5 (2 → 0) and W[2,0] = 4 (0 → 2).
    expect(Array.from(g.adjacency)).toEqual([0, 0, 1, 0, 0, 0, 1, 0, 0]);
    expect(Array.from(motifs.weightGraph(w, { threshold: 0.25 }).adjacency)).toEqual([0, 0, 1, 0, 0, 0, 1, 1, 0]);
    const gated = tensor([[0, 3], [0, 0], [0, 4], [0, 0]]);
    const m = motifs.recurrentMagnitudes(gated);
    expect(m.magnitude[1]).toBeCloseTo(5, 12);
    expect(() => motifs.weightGraph(tensor([[1, 2, 3]]))).toThrow(/\[n, n\] or \[k·n, n\]/);
  });

  it('finds feed-forward loops over-represented in a graph built from them', () => {
    // Many disjoint feed-forward loops plus random sparse edges.
    const edges: [number, number][] = [];
    for (let k = 0; k < 10; k++) { const a = 3 * k; edges.push([a, a + 1], [a + 1, a + 2], [a, a + 2]); }
    const g = motifs.graphFromEdges(30, edges);
    const stats = motifs.motifZScores(g, { randomisations: 30, seed: 1 });
    const ffl = stats.find((s) => s.motif === '030T')!;
    expect(ffl.count).toBe(10);
    expect(ffl.z).toBeGreaterThan(5);
    expect(stats.length).toBe(13);
  });
});

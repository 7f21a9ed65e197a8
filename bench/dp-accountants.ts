// ε of Lattice's privacy accountants beside the published figures and Opacus's own accountant code,
// for the settings of test/fixtures/privacy_accountants.json (TF-Privacy's MNIST tutorial and table,
// Opacus's MNIST README, Abadi et al. 2016). The Opacus columns come from that fixture, written by
// test/fixtures/generators/privacy_accountants.py with Opacus installed; Lattice's are computed here.
// test/privacy/accountant.test.ts asserts that they agree; this script writes the README's table.
//
//   npx tsx bench/dp-accountants.ts
//
// Writes bench/results/figures/dp-accountants.json (the README's figures).
import { readFileSync } from 'node:fs';
import { PrvAccountant, RdpAccountant } from '../src/privacy/index';
import { startRecord } from './lib/record';

interface Setting { name: string; sigma: number; q: number; steps: number; published: number | null; delta: number; classic: number; balle2020: number; prv: number }

const record = startRecord('dp-accountants');
const fixture = new URL('../test/fixtures/privacy_accountants.json', import.meta.url);
const { settings } = JSON.parse(readFileSync(fixture, 'utf8')) as { settings: Setting[] };
const rows = settings.map((s) => {
  const phase = { noiseMultiplier: s.sigma, sampleRate: s.q, steps: s.steps };
  const classic = new RdpAccountant({ conversion: 'classic' }), balle = new RdpAccountant(), prv = new PrvAccountant();
  classic.step(phase); balle.step(phase); prv.step(phase);
  return {
    name: s.name, delta: s.delta, published: s.published,
    lattice: { classic: classic.getEpsilon(s.delta), balle2020: balle.getEpsilon(s.delta), prv: prv.getEpsilon(s.delta) },
    opacus: { balle2020: s.balle2020, prv: s.prv },
  };
});
const f = (x: number): string => x.toFixed(3);
const deltas = [...new Set(rows.map((r) => r.delta))];
const table = [
  `| setting (δ = ${deltas.map((d) => d.toExponential(0)).join(', ')}) | published ε | Lattice, classic RDP conversion | Lattice, Opacus conversion (Balle et al. 2020) | Opacus code, same | Lattice PRV (upper) | Opacus PRV |`,
  '| --- | --- | --- | --- | --- | --- | --- |',
  ...rows.map((r) => `| ${r.name} | ${r.published ?? '—'} | ${f(r.lattice.classic)} | ${f(r.lattice.balle2020)} | ${f(r.opacus.balle2020)} | ${f(r.lattice.prv)} | ${f(r.opacus.prv)} |`),
].join('\n');
console.log(table);
record.save(rows, table);

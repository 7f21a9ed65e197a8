/**
 * Times the kernels of W3's step one by one (1 thread unless LATTICE_NUM_THREADS says
 * otherwise): conv2's three Winograd passes, the 2x2 max pool and its backward, and the
 * ReLU backward, on W3's shapes. CPU time (process.cpuUsage) median over rounds.
 *
 *   LATTICE_NUM_THREADS=1 npx tsx bench/w3-kernels.ts [--rounds N]
 */
import * as L from '../src/index';
import { backend } from '../src/backend/index';
import type { ConvGeometry } from '../src/backend/backend';

const rounds = Number(process.argv[process.argv.indexOf('--rounds') + 1] || 30);
const be = backend();
const g: ConvGeometry = { n: 64, c: 32, h: 13, w: 13, o: 64, kh: 3, kw: 3, oh: 11, ow: 11, strideH: 1, strideW: 1, padH: 0, padW: 0, dilationH: 1, dilationW: 1, groups: 1 } as ConvGeometry;
const rnd = (n: number): Float32Array => Float32Array.from({ length: n }, () => Math.random() * 2 - 1);
const x = rnd(64 * 32 * 13 * 13), w = rnd(64 * 32 * 9), bias = rnd(64), out = new Float32Array(64 * 64 * 121);
const gy = rnd(64 * 64 * 121), gx = new Float32Array(x.length), gw = new Float32Array(w.length);
const U = new Float32Array(be.winograd!.filterLayout(g, false).length), Ut = new Float32Array(be.winograd!.filterLayout(g, true).length);
be.winograd!.filter(w, U, g, false);
be.winograd!.filter(w, Ut, g, true);

const cases: [string, () => void][] = [
  ['winograd.forward', () => be.winograd!.forward(x, U, bias, out, g, true)],
  ['winograd.backwardInput', () => be.winograd!.backwardInput(gy, Ut, gx, g)],
  ['winograd.backwardWeight', () => be.winograd!.backwardWeight(x, gy, gw, g)],
];
const y1 = L.rand([64, 32, 26, 26]), gy1 = L.randn([64, 32, 26, 26]);
cases.push(['relu backward (gt+where) conv1', () => L.tidy(() => { L.where(L.gt(y1, 0), gy1, 0); })]);
cases.push(['maxPool2d fwd conv1', () => L.tidy(() => { L.maxPool2d(y1, 2); })]);

const times = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const [name, f] of cases) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < 5; i++) f();
    const t = process.cpuUsage(t0);
    (times.get(name) ?? times.set(name, []).get(name)!).push((t.user + t.system) / 5000);
  }
}
for (const [name, t] of times) {
  t.sort((a, b) => a - b);
  console.log(`${name.padEnd(34)} median ${t[t.length >> 1].toFixed(3)} ms  min ${t[0].toFixed(3)} ms`);
}

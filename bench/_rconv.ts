import * as L from '../src/index';
const T = Number(process.argv[2]); L.setNumThreads(T);
const shapes: [string, number, number, number, number, number, number, number][] = [
  ['stem 3->64 7x7/2 64', 3, 64, 64, 7, 2, 3, 1],
  ['l1 64 3x3 16', 64, 64, 16, 3, 1, 1, 4],
  ['l2.0 64->128 3x3/2 16', 64, 128, 16, 3, 2, 1, 1],
  ['l2.ds 64->128 1x1/2 16', 64, 128, 16, 1, 2, 0, 1],
  ['l2 128 3x3 8', 128, 128, 8, 3, 1, 1, 3],
  ['l3.0 128->256 3x3/2 8', 128, 256, 8, 3, 2, 1, 1],
  ['l3.ds 128->256 1x1/2 8', 128, 256, 8, 1, 2, 0, 1],
  ['l3 256 3x3 4', 256, 256, 4, 3, 1, 1, 3],
  ['l4.0 256->512 3x3/2 4', 256, 512, 4, 3, 2, 1, 1],
  ['l4.ds 256->512 1x1/2 4', 256, 512, 4, 1, 2, 0, 1],
  ['l4 512 3x3 2', 512, 512, 2, 3, 1, 1, 3],
];
const med = (v: number[]) => [...v].sort((a, b) => a - b)[v.length >> 1];
const only = process.argv[3];
const tot = [0, 0, 0];
for (const [name, c, o, side, k, stride, padding, count] of shapes) {
  if (only && !name.includes(only)) continue;
  L.manualSeed(0);
  const x = L.randn([32, c, side, side]).requiresGrad_();
  const w = L.detach(L.randn([o, c, k, k]).mul(0.05)).requiresGrad_();
  const y = L.conv2d(x, w, null, { stride, padding });
  const gy = L.randn(y.shape);
  const fns = [
    () => L.noGrad(() => L.conv2d(x, w, null, { stride, padding })).dispose(),
    () => L.grad(y, [x], { gradOutputs: [gy], retainGraph: true })[0]!.dispose(),
    () => L.grad(y, [w], { gradOutputs: [gy], retainGraph: true })[0]!.dispose(),
  ];
  const out: string[] = [];
  fns.forEach((fn, i) => {
    for (let j = 0; j < 3; j++) fn();
    const ts: number[] = [];
    for (let j = 0; j < 15; j++) { const t0 = performance.now(); fn(); ts.push(performance.now() - t0); }
    const m = med(ts); tot[i] += m * count;
    out.push(m.toFixed(2).padStart(6));
  });
  const algos = Object.values(L.convAlgorithm({ input: x.shape, weight: w.shape, stride, padding }).passes).map((a) => String(a).slice(0, 4)).join(",");
  console.log(`T${T} ${name.padEnd(24)} x${count} fwd ${out[0]} bwdIn ${out[1]} bwdW ${out[2]}  ${JSON.stringify(algos)}`);
  L.dispose([x, w, y, gy]);
}
console.log(`T${T} totals (x count): fwd ${tot[0].toFixed(1)} bwdIn ${tot[1].toFixed(1)} bwdW ${tot[2].toFixed(1)}`);

// 2-D Poisson -lap u = 2 pi^2 sin(pi x) sin(pi y) on the unit square, u = 0 on the boundary; the exact
// solution is u = sin(pi x) sin(pi y). A float64 tanh PINN, Sobol collocation points, Adam then L-BFGS;
// the relative L2 error is measured on a 101 x 101 grid.
// With --hard the boundary condition is built into the model, u = x (1 - x) y (1 - y) N(x, y)
// (Lagaris et al. 1998), instead of a Dirichlet loss term with weight --boundary-weight.
// Run: LATTICE_NUM_THREADS=1 npx tsx examples/pinn-poisson.ts [--points 2000] [--adam 500] [--lbfgs 8000] [--minutes 9.5] [--clock wall|cpu]
//      [--hard] [--boundary-weight 10]
import { backendInfo, emptyCache, manualSeed, narrow, noGrad, pinn, Tensor } from '../src/index';
import { startRecord } from '../bench/lib/record';

const record = startRecord('pinn-poisson');

const arg = (name: string, fallback: number | string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : String(fallback);
};
const points = Number(arg('points', 2000));
const clock = arg('clock', 'wall') as 'wall' | 'cpu';

// One step's second-order graph over thousands of points holds hundreds of MB of intermediates;
// a buffer pool large enough to keep them all halves the step time (no fresh pages to fault in).
emptyCache({ limitBytes: 2 ** 31 });
manualSeed(7);
const square = new pinn.Rectangle([0, 0], [1, 1]);
const net = pinn.mlp([2, 32, 32, 32, 1], { normalize: square });
const source = (x: Tensor) => narrow(x, 1, 0, 1).mul(Math.PI).sin().mul(narrow(x, 1, 1, 1).mul(Math.PI).sin()).mul(2 * Math.PI ** 2);
const hard = process.argv.includes('--hard');
const bubble = (x: Tensor) => {
  const [px, py] = [narrow(x, 1, 0, 1), narrow(x, 1, 1, 1)];
  return px.mul(px.neg().add(1)).mul(py).mul(py.neg().add(1));
};
const model = hard ? (x: Tensor) => net.call(x).mul(bubble(x)) : net;
const pde = pinn.residual(square.sampleInterior(points, { method: 'sobol' }), (u, x) => pinn.laplacian(u, x).add(source(x)));
const bc = pinn.dirichlet(square.sampleBoundary(400, { method: 'sobol' }).points, 0, { name: 'boundary' });

console.log(`backend ${backendInfo().backend} (${backendInfo().isa}), threads ${backendInfo().threads}; float64; ${points} collocation points; boundary ${hard ? 'built into the model' : 'as a loss term'}`);
const lbfgsIter = Number(arg('lbfgs', 8000));
const result = pinn.train(model, hard ? [pde] : [pde, bc], {
  params: net.parameters(),
  adam: { steps: Number(arg('adam', 500)), lr: 1e-3 },
  lbfgs: { maxIter: lbfgsIter, maxEval: 2 * lbfgsIter, historySize: 50 },
  weights: { boundary: Number(arg('boundary-weight', 10)) },
  logEvery: 500,
  timeLimit: Number(arg('minutes', 9.5)) * 60,
  clock,
  onLog: (e) => console.log(`${e.phase} ${e.iteration}: loss ${e.loss.toExponential(3)} (${Object.entries(e.terms).map(([k, v]) => `${k} ${v.toExponential(2)}`).join(', ')}) ${e.seconds.toFixed(0)} s`),
});

const n = 101;
const grid = new Float64Array(n * n * 2);
for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
  grid[2 * (i * n + j)] = j / (n - 1);
  grid[2 * (i * n + j) + 1] = i / (n - 1);
}
const gridTensor = Tensor.fromData(grid, [n * n, 2], 'float64');
const pred = noGrad(() => pinn.evaluate(model, gridTensor).values);
let num = 0, den = 0;
for (let k = 0; k < n * n; k++) {
  const exact = Math.sin(Math.PI * grid[2 * k]) * Math.sin(Math.PI * grid[2 * k + 1]);
  num += (pred[k] - exact) ** 2;
  den += exact ** 2;
}
const cpu = process.cpuUsage();
console.log(`process CPU time ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s; times below on the ${clock} clock`);
console.log(`Adam ${result.adamSteps} steps in ${result.adamSeconds.toFixed(1)} s; L-BFGS ${result.lbfgsIterations} iterations (${result.lbfgsEvaluations} evaluations) in ${result.lbfgsSeconds.toFixed(1)} s, stop: ${result.lbfgsStop}`);
console.log(`relative L2 error on ${n} x ${n}: ${Math.sqrt(num / den).toExponential(3)} (target 1e-4)`);
const relL2 = Math.sqrt(num / den);
record.save({ points, hard, relativeL2: relL2, adamSteps: result.adamSteps, lbfgsIterations: result.lbfgsIterations, lbfgsStop: result.lbfgsStop, clock,
  seconds: result.adamSeconds + result.lbfgsSeconds }, [
  '| collocation points | boundary | Adam steps | L-BFGS iterations | rel. L2 on the grid (target 1e-4) | training time |', '| --- | --- | --- | --- | --- | --- |',
  `| ${points} | ${hard ? 'built into the model' : 'loss term'} | ${result.adamSteps} | ${result.lbfgsIterations} (stop: ${result.lbfgsStop}) | ${relL2.toExponential(2)} | ${(result.adamSeconds + result.lbfgsSeconds).toFixed(0)} s (${clock} clock) |`,
].join('\n'));

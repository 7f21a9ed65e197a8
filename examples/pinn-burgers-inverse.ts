// Inverse Burgers: u_t + l1 u u_x - l2 u_xx = 0 with l1, l2 unknown, learned together with the network
// from N observations of the Cole-Hopf solution (true l1 = 1, l2 = 0.01/pi), optionally with Gaussian
// noise of a given fraction of the data's standard deviation, as in Raissi, Perdikaris and Karniadakis
// (2019, section 4.1: l2 within about 1% from clean data). l2 is learned as exp(log l2) to stay positive.
// Run: LATTICE_NUM_THREADS=1 npx tsx examples/pinn-burgers-inverse.ts [--points 2000] [--noise 0.01] [--adam 500] [--lbfgs 20000] [--minutes 9.5] [--clock wall|cpu]
import { backendInfo, emptyCache, manualSeed, pinn, randn, Tensor, tensor } from '../src/index';
import { startRecord } from '../bench/lib/record';

const record = startRecord('pinn-burgers-inverse');

const arg = (name: string, fallback: number | string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : String(fallback);
};
const points = Number(arg('points', 2000));
const noise = Number(arg('noise', 0.01));
const clock = arg('clock', 'wall') as 'wall' | 'cpu';
const nuTrue = 0.01 / Math.PI;

// One step's second-order graph over thousands of points holds hundreds of MB of intermediates;
// a buffer pool large enough to keep them all halves the step time (no fresh pages to fault in).
emptyCache({ limitBytes: 2 ** 31 });
manualSeed(5);
const omega = new pinn.TimeSpace(new pinn.Interval(0, 1), new pinn.Interval(-1, 1));
const x = omega.sampleInterior(points, { method: 'latinHypercube', seed: 11 }); // columns [x, t]
const xv = x.values;
const clean = pinn.burgersReference(Array.from({ length: points }, (_, i) => xv[2 * i + 1]), Array.from({ length: points }, (_, i) => xv[2 * i]));
let mean = 0, sq = 0;
for (const v of clean) mean += v / points;
for (const v of clean) sq += (v - mean) ** 2 / points;
const eps = randn([points], { dtype: 'float64' }).values;
const observed = clean.map((v, i) => v + noise * Math.sqrt(sq) * eps[i]);

const net = pinn.mlp([2, 20, 20, 20, 20, 20, 20, 20, 20, 1], { normalize: omega });
const lambda1 = tensor([0], { dtype: 'float64', requiresGrad: true });
const logLambda2 = tensor([-6], { dtype: 'float64', requiresGrad: true });
const data = pinn.observations(x, Tensor.fromData(observed, [points, 1], 'float64'));
const pde = pinn.residual(x, (u, p) => {
  const ux = pinn.partial(u, p, { dim: 0 }), ut = pinn.partial(u, p, { dim: 1 }), uxx = pinn.partial(u, p, { dim: 0, order: 2 });
  return ut.add(u.mul(ux).mul(lambda1)).sub(uxx.mul(logLambda2.exp()));
});

console.log(`backend ${backendInfo().backend} (${backendInfo().isa}), threads ${backendInfo().threads}; float64; ${points} observations, noise ${noise * 100}%`);
const result = pinn.train(net, [pde, data], {
  extraParams: [lambda1, logLambda2],
  adam: { steps: Number(arg('adam', 500)), lr: 1e-3 },
  lbfgs: { maxIter: Number(arg('lbfgs', 20000)), historySize: 50 },
  logEvery: 250,
  timeLimit: Number(arg('minutes', 9.5)) * 60,
  clock,
  onLog: (e) => console.log(`${e.phase} ${e.iteration}: loss ${e.loss.toExponential(3)}, l1 ${lambda1.item().toFixed(5)}, l2 ${Math.exp(logLambda2.item()).toExponential(5)} ${e.seconds.toFixed(0)} s`),
});
const l1 = lambda1.item(), l2 = Math.exp(logLambda2.item());
const cpu = process.cpuUsage();
console.log(`process CPU time ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s; times below on the ${clock} clock`);
console.log(`Adam ${result.adamSteps} steps in ${result.adamSeconds.toFixed(1)} s; L-BFGS ${result.lbfgsIterations} iterations in ${result.lbfgsSeconds.toFixed(1)} s, stop: ${result.lbfgsStop}`);
console.log(`l1 = ${l1.toFixed(6)} (error ${(Math.abs(l1 - 1) * 100).toFixed(3)}%), l2 = ${l2.toExponential(6)} (true ${nuTrue.toExponential(6)}, error ${((Math.abs(l2 - nuTrue) / nuTrue) * 100).toFixed(3)}%)`);
const l2Error = Math.abs(l2 - nuTrue) / nuTrue;
record.save({ points, noise, l1, l2, nuTrue, l2Error, adamSteps: result.adamSteps, lbfgsIterations: result.lbfgsIterations, lbfgsStop: result.lbfgsStop, clock,
  seconds: result.adamSeconds + result.lbfgsSeconds }, [
  '| observations | noise | Adam steps | L-BFGS iterations | viscosity found (true) | viscosity error (target 1%) | λ1 (true 1) | training time |', '| --- | --- | --- | --- | --- | --- | --- | --- |',
  `| ${points} | ${noise * 100}% | ${result.adamSteps} | ${result.lbfgsIterations} (stop: ${result.lbfgsStop}) | ${l2.toExponential(5)} (${nuTrue.toExponential(5)}) | ${(l2Error * 100).toFixed(2)}% | ${l1.toFixed(5)} | ${(result.adamSeconds + result.lbfgsSeconds).toFixed(0)} s (${clock} clock) |`,
].join('\n'));

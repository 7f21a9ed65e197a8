// W8: LayerNorm [4096, 1024] and BatchNorm2d [32, 64, 32, 32] (training mode), forward and
// forward+backward, through the public nn modules (the fused norm kernels).
import { backward, manualSeed, nn, noGrad, randn, type Tensor } from './lattice';
import { parseArgs, report, time, timingResult } from './common';

const args = parseArgs();
manualSeed(0);
const cases: [string, () => nn.Module, number[]][] = [
  ['layernorm', () => new nn.LayerNorm(1024), [4096, 1024]],
  ['batchnorm2d', () => new nn.BatchNorm2d(64), [32, 64, 32, 32]],
];
const results = [];
for (const [name, make, shape] of cases) {
  const mod = make().train();
  const x = randn(shape, { requiresGrad: true });
  const gy = randn(shape);
  const forward = (): void => noGrad(() => mod.call(x).dispose());
  const forwardBackward = (): void => {
    if (x.grad) { x.grad.dispose(); x.grad = null; }
    mod.zeroGrad();
    const y: Tensor = mod.call(x);
    backward(y, gy);
    y.dispose();
  };
  results.push(timingResult(`${name}.forward`, time(forward, args.reps), 'ms', { shape }));
  results.push(timingResult(`${name}.forward_backward`, time(forwardBackward, args.reps), 'ms', { shape, note: 'training mode; grads for input, weight, bias' }));
}
report('norms', args, results);

// A short tour: tensors, broadcasting, autograd, and what runs the kernels.
// Run with `npm start` (or `npx tsx examples/quickstart.ts`).
import { backendInfo, grad, manualSeed, matmul, randn, softmax, tensor } from '../src/index';

manualSeed(0);
console.log('backend:', backendInfo());

const a = tensor([[1, 2, 3], [4, 5, 6]]);
console.log('a =', String(a));
console.log('a + [10, 20, 30] =', String(a.add(tensor([10, 20, 30]))));
console.log('a.sum(1, { keepdim: true }) =', String(a.sum(1, { keepdim: true })));
console.log('softmax(a, 1) =', String(softmax(a, 1)));

const w = randn([3, 2], { requiresGrad: true });
const loss = matmul(a, w).relu().square().mean();
loss.backward();
console.log('loss =', loss.item().toFixed(4), ' dloss/dw =', String(w.grad));

const x = tensor([0.5], { dtype: 'float64', requiresGrad: true });
const [d1] = grad(x.tanh(), [x], { createGraph: true });
const [d2] = grad(d1!, [x]);
console.log('d/dx tanh(0.5) =', d1!.item().toFixed(6), ' d2/dx2 =', d2!.item().toFixed(6));

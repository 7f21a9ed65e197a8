/**
 * func: calling modules as functions of their state (torch.func's stateless part).
 * `functionalCall` runs a module with its parameters and buffers replaced, by state-dict name, by
 * given tensors (MAML, hypernetworks, per-example or ensemble evaluation); `stackModuleState` stacks
 * the state of several models of one architecture on a new dim 0. There is no vmap.
 * @example
 * import { func, nn } from 'lattice-ml';
 * const model = new nn.Linear(3, 2);
 * const fast = { weight: model.weight.sub(g.mul(0.1)), bias: model.bias! };   // any tensors, graph and all
 * const y = func.functionalCall(model, fast, x);                               // model keeps its own weights
 */
export { functionalCall, type FunctionalCallOptions, type TensorDict } from './functional-call';
export { stackModuleState, type StackedModuleState } from './stack-module-state';

/**
 * A weight recomputed from other parameters before every forward: what spectralNorm and weightNorm
 * install (PyTorch's forward pre-hooks). The module keeps a table of its reparametrised weights in
 * the unregistered field `_reparams`, and its forward becomes `reparamForward`, a plain function of
 * `this`: nothing closes over the module, so nn.utils.deepCopy copies such a module faithfully.
 */
import { ArgumentError } from '../../errors';
import type { Tensor } from '../../tensor/tensor';
import type { AnyModule } from '../module';
import { markCopyableForward } from './deep-copy';

/** One reparametrised weight: its name, which method made it, and that method's settings. */
export interface Reparam {
  /** The method, as named in messages ('spectralNorm', 'weightNorm'). */
  kind: string;
  name: string;
  /** The weight from the module's current parameters (a top-level function: it must not close over a module). */
  compute: (module: AnyModule, r: Reparam) => Tensor;
  [setting: string]: unknown;
}

type Fields = Record<string, unknown> & { _reparams?: Record<string, Reparam> };

/** Sets every reparametrised weight, then runs the class's own forward. */
function reparamForward(this: AnyModule, ...args: unknown[]): unknown {
  const fields = this as unknown as Fields;
  for (const r of Object.values(fields._reparams ?? {})) fields[r.name] = r.compute(this, r);
  const classForward = (Object.getPrototypeOf(this) as { forward: (...a: unknown[]) => unknown }).forward;
  return classForward.apply(this, args);
}
markCopyableForward(reparamForward);

/** The reparametrisation of module[name], or undefined. */
export function reparamOf(module: AnyModule, name: string): Reparam | undefined {
  return (module as unknown as Fields)._reparams?.[name];
}

/** Installs r on the module (module[name] must already be unregistered); refuses a second one on the same weight. */
export function installReparam(module: AnyModule, r: Reparam): void {
  const fields = module as unknown as Fields;
  const existing = fields._reparams?.[r.name];
  if (existing) throw new ArgumentError(`${r.kind}: ${module.typeName}.${r.name} already has ${existing.kind}`);
  if (Object.prototype.hasOwnProperty.call(module, 'forward') && fields.forward !== reparamForward) {
    throw new ArgumentError(`${r.kind}: ${module.typeName} already has a forward of its own`);
  }
  fields._reparams = { ...(fields._reparams ?? {}), [r.name]: r };
  fields[r.name] = null;
  fields.forward = reparamForward;
}

/** Removes the reparametrisation of module[name] (the caller registers the weight again). */
export function uninstallReparam(module: AnyModule, name: string): void {
  const fields = module as unknown as Fields;
  const rest = { ...(fields._reparams ?? {}) };
  delete rest[name];
  if (Object.keys(rest).length === 0) {
    delete fields._reparams;
    delete fields.forward;
  } else {
    fields._reparams = rest;
  }
}

/** Scoped disposal: tidy(fn) frees what fn made and did not return. */
import { popScope, pushScope } from './storage';
import { Tensor } from './tensor';

function collect(result: unknown, into: Set<unknown>): void {
  if (result instanceof Tensor) into.add(result);
  else if (Array.isArray(result)) for (const r of result) collect(r, into);
  else if (result && typeof result === 'object' && Object.getPrototypeOf(result) === Object.prototype) {
    for (const v of Object.values(result)) collect(v, into);
  }
}

/**
 * Runs fn and disposes every tensor created inside it except those it returns
 * (in arrays or plain objects too) and those marked with keep().
 * Synchronous fn only.
 * @example `const loss = tidy(() => crossEntropy(model.forward(x), y))`
 */
export function tidy<T>(fn: () => T): T {
  pushScope();
  let result: T | undefined;
  try {
    result = fn();
    return result;
  } finally {
    const keepSet = new Set<unknown>();
    collect(result, keepSet);
    popScope(keepSet);
  }
}

/** Marks a tensor to survive every enclosing tidy(). @example `const w = tidy(() => keep(randn([3])))` */
export function keep<T extends Tensor>(t: T): T {
  t.kept = true;
  return t;
}

/** Disposes tensors (arrays and plain objects of them too). @example `dispose([a, b])` */
export function dispose(x: unknown): void {
  const set = new Set<unknown>();
  collect(x, set);
  for (const t of set) (t as Tensor).dispose();
}

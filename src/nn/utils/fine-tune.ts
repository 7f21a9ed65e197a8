/**
 * Fine-tuning helpers: swap a pretrained model's head, and split its parameters
 * into groups with discriminative (layer-wise decayed) learning rates, as in
 * ULMFiT (Howard & Ruder, 2018) and layer-wise lr decay for Transformers.
 */
import { ArgumentError, fmtArg } from '../../errors';
import { Module, type AnyModule } from '../module';
import type { Parameter } from '../parameter';

/** The dotted path of the last leaf module that holds parameters (a classifier's head). */
function findHeadPath(model: AnyModule): string {
  let found: string | null = null;
  for (const [name, m] of model.namedModules()) {
    if (name !== '' && m.children().length === 0 && m.parameters({ recurse: false }).length > 0) found = name;
  }
  if (found === null) throw new ArgumentError(`replaceHead: ${model.typeName} has no submodule with parameters to replace; pass opts.path`);
  return found;
}

/**
 * Replaces a model's classification head with `newHead` and returns the old one. The head is
 * `opts.path` (a dotted path such as 'fc' or 'classifier.1'), else the last leaf module that
 * has parameters, which is the final Linear in torchvision's ResNet, MobileNetV2 and ViT.
 * @example
 * const old = nn.utils.replaceHead(model, new nn.Linear(512, 5)); // ResNet-18's 'fc', 1000 -> 5 classes
 */
export function replaceHead(model: AnyModule, newHead: AnyModule, opts?: { path?: string }): AnyModule {
  if (!(model instanceof Module)) throw new ArgumentError(`replaceHead: model must be a Module, got ${model === null ? 'null' : typeof model}`);
  if (!(newHead instanceof Module)) throw new ArgumentError(`replaceHead: newHead must be a Module, got ${newHead === null ? 'null' : typeof newHead}`);
  return model.setSubmodule(opts?.path ?? findHeadPath(model), newHead);
}

/** One parameter group as optimizers take it. @example `new optim.SGD([{ params: head.parameters(), lr: 0.1 }])` */
export interface LrParamGroup {
  params: Parameter[];
  lr: number;
}

/** Options of `layerwiseLrGroups`. @example `{ lr: 1e-3, decay: 0.7 }` */
export interface LayerwiseLrOptions {
  /** The last (output) layer's learning rate, or one rate per layer, input first. */
  lr: number | number[];
  /**
   * Each layer's rate is the next one's times `decay` (default 1/2.6, ULMFiT's factor;
   * Transformers fine-tuning commonly uses 0.65–0.75). Ignored when `lr` is a list.
   */
  decay?: number;
}

/**
 * Parameter groups with discriminative learning rates: `layers` run from input to output
 * (or a model, whose direct children are the layers), and layer i of n gets
 * `lr * decay^(n-1-i)`, so the head learns fastest and early, generic features change
 * least. Layers without parameters are skipped; a model's own direct parameters join the
 * last group. Frozen parameters are included so that unfreezing them later needs no new
 * group (optimizers skip parameters without gradients).
 * @example
 * const groups = nn.utils.layerwiseLrGroups(model, { lr: 1e-3, decay: 0.5 });
 * const opt = new optim.Adam(groups);
 */
export function layerwiseLrGroups(layers: AnyModule | AnyModule[], opts: LayerwiseLrOptions): LrParamGroup[] {
  const op = 'layerwiseLrGroups';
  const list = layers instanceof Module ? layers.children() : layers;
  if (!Array.isArray(list) || list.length === 0) throw new ArgumentError(`${op}: layers must be a Module or a non-empty array of Modules`);
  list.forEach((m, i) => {
    if (!(m instanceof Module)) throw new ArgumentError(`${op}: layers[${i}] must be a Module, got ${m === null ? 'null' : typeof m}`);
  });
  const n = list.length;
  const decay = opts?.decay ?? 1 / 2.6;
  let rates: number[];
  if (Array.isArray(opts?.lr)) {
    if (opts.lr.length !== n) throw new ArgumentError(`${op}: lr has ${opts.lr.length} rates but there are ${n} layers`);
    rates = opts.lr.slice();
  } else {
    if (!(typeof decay === 'number' && decay > 0 && Number.isFinite(decay))) throw new ArgumentError(`${op}: decay must be a positive number, got ${fmtArg(decay)}`);
    rates = list.map((_, i) => (opts?.lr as number) * decay ** (n - 1 - i));
  }
  rates.forEach((r, i) => {
    if (typeof r !== 'number' || !(r >= 0) || !Number.isFinite(r)) throw new ArgumentError(`${op}: the learning rate of layer ${i} must be a finite number >= 0, got ${fmtArg(r)}`);
  });
  const seen = new Set<Parameter>();
  const groups: LrParamGroup[] = [];
  list.forEach((m, i) => {
    const params = m.parameters().filter((p) => !seen.has(p));
    params.forEach((p) => seen.add(p));
    if (params.length) groups.push({ params, lr: rates[i] });
  });
  if (layers instanceof Module) {
    const own = layers.parameters({ recurse: false }).filter((p) => !seen.has(p));
    if (own.length && groups.length) groups[groups.length - 1].params.push(...own);
    else if (own.length) groups.push({ params: own, lr: rates[n - 1] });
  }
  if (groups.length === 0) throw new ArgumentError(`${op}: none of the ${n} layers has parameters`);
  return groups;
}

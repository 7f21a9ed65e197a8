/**
 * The Module API: registration, traversal, modes, state dicts, printing, containers.
 * The small ResNet's key names and parameter count come from PyTorch (nn_layers_torch.json).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { nn, type Tensor } from '../../src/index';

const fixture = JSON.parse(readFileSync(new URL('../fixtures/nn_layers_torch.json', import.meta.url), 'utf8')) as {
  smallResnet: { numParameters: number; stateDictKeys: string[] };
};

/** A ResNet basic block with PyTorch's attribute names (conv1, bn1, ..., shortcut). */
class Block extends nn.Module {
  conv1: nn.Conv2d;
  bn1: nn.BatchNorm2d;
  conv2: nn.Conv2d;
  bn2: nn.BatchNorm2d;
  shortcut: nn.Sequential | null = null;
  constructor(cin: number, cout: number, stride: number) {
    super();
    this.conv1 = new nn.Conv2d(cin, cout, 3, { stride, padding: 1, bias: false });
    this.bn1 = new nn.BatchNorm2d(cout);
    this.conv2 = new nn.Conv2d(cout, cout, 3, { padding: 1, bias: false });
    this.bn2 = new nn.BatchNorm2d(cout);
    if (stride !== 1 || cin !== cout) this.shortcut = new nn.Sequential(new nn.Conv2d(cin, cout, 1, { stride, bias: false }), new nn.BatchNorm2d(cout));
  }
  forward(x: Tensor): Tensor {
    const h = this.bn2.call(this.conv2.call(this.bn1.call(this.conv1.call(x)).relu()));
    return h.add(this.shortcut ? this.shortcut.call(x) : x).relu();
  }
}

const smallResnet = (): nn.Sequential => new nn.Sequential(
  new nn.Conv2d(3, 16, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(16), new nn.ReLU(),
  new Block(16, 16, 1), new Block(16, 32, 2), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(32, 10),
);

class Mlp extends nn.Module {
  fc1 = new nn.Linear(4, 8);
  act = new nn.ReLU();
  fc2 = new nn.Linear(8, 3);
  _cache: nn.Linear | null = null;  // underscore fields are never registered
  forward(x: Tensor): Tensor {
    return this.fc2.call(this.act.call(this.fc1.call(x)));
  }
}

describe('Module registration and traversal', () => {
  it('registers fields holding modules and parameters in assignment order, with PyTorch key names', () => {
    const m = new Mlp();
    expect(m.namedParameters().map(([n]) => n)).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    expect(m.namedChildren().map(([n]) => n)).toEqual(['fc1', 'act', 'fc2']);
    expect(m.namedModules().map(([n]) => n)).toEqual(['', 'fc1', 'act', 'fc2']);
    expect(m.parameters().every((p) => p instanceof nn.Parameter && p.requiresGrad)).toBe(true);
    expect(m.numParameters()).toBe(4 * 8 + 8 + 8 * 3 + 3);
    m._cache = new nn.Linear(2, 2);
    expect(m.parameters().length).toBe(4);
  });

  it('the small ResNet has PyTorch\'s state-dict keys and parameter count', () => {
    const model = smallResnet();
    expect(Object.keys(model.stateDict())).toEqual(fixture.smallResnet.stateDictKeys);
    expect(model.numParameters()).toBe(fixture.smallResnet.numParameters);
    const y = model.call(L.randn([2, 3, 8, 8]));
    expect(y.shape).toEqual([2, 10]);
  });

  it('toString prints the tree like PyTorch\'s repr and the parameter count', () => {
    const model = smallResnet();
    const text = String(model);
    const count = fixture.smallResnet.numParameters.toLocaleString('en-US');
    expect(text.split('\n').slice(0, 8)).toEqual([
      'Sequential(',
      '  (0): Conv2d(3, 16, kernelSize=[3, 3], stride=[1, 1], padding=[1, 1], bias=false)',
      '  (1): BatchNorm2d(16, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)',
      '  (2): ReLU()',
      '  (3): Block(',
      '    (conv1): Conv2d(16, 16, kernelSize=[3, 3], stride=[1, 1], padding=[1, 1], bias=false)',
      '    (bn1): BatchNorm2d(16, eps=0.00001, momentum=0.1, affine=true, trackRunningStats=true)',
      '    (conv2): Conv2d(16, 16, kernelSize=[3, 3], stride=[1, 1], padding=[1, 1], bias=false)',
    ]);
    expect(text).toContain('    (shortcut): Sequential(\n      (0): Conv2d(16, 32, kernelSize=[1, 1], stride=[2, 2], padding=[0, 0], bias=false)');
    expect(text).toContain('  (7): Linear(inFeatures=32, outFeatures=10, bias=true)\n)');
    expect(text.endsWith(`\nTotal parameters: ${count}`)).toBe(true);
    model.at(0).requiresGrad_(false);
    expect(String(model).endsWith(`Total parameters: ${count} (trainable: ${(fixture.smallResnet.numParameters - 16 * 27).toLocaleString('en-US')})`)).toBe(true);
  });

  it('lists a shared module and a shared parameter once', () => {
    const shared = new nn.Linear(3, 3);
    const model = new nn.Sequential(shared, new nn.ReLU(), shared);
    expect(model.parameters().length).toBe(2);
    expect(model.modules().length).toBe(3);
    expect(Object.keys(model.stateDict())).toEqual(['0.weight', '0.bias', '2.weight', '2.bias']);
    const tied = new nn.Linear(3, 3);
    const m2 = new nn.Sequential(new nn.Linear(3, 3), tied);
    m2.registerParameter('extra', tied.weight);
    expect(m2.parameters().length).toBe(4);
    expect(m2.namedParameters({ removeDuplicate: false }).length).toBe(5);
  });

  it('registers buffers under explicit names and leaves non-persistent ones out of the state dict', () => {
    class WithBuffers extends nn.Module {
      constructor() {
        super();
        this.registerBuffer('running_total', L.zeros([2]));
        this.registerBuffer('scratch', L.zeros([3]), { persistent: false });
      }
      forward(x: Tensor): Tensor { return x; }
    }
    const m = new WithBuffers();
    expect(m.namedBuffers().map(([n]) => n)).toEqual(['running_total', 'scratch']);
    expect(Object.keys(m.stateDict())).toEqual(['running_total']);
    expect(new nn.BatchNorm2d(4).namedBuffers().map(([n]) => n)).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
    expect(() => m.registerParameter('running_total', nn.parameter(L.zeros([2])))).toThrow(/already registered as a buffer/);
    expect(() => m.registerBuffer('a.b', L.zeros([1]))).toThrow(/must not contain '\.'/);
  });

  it('refuses a plain array of modules (use ModuleList)', () => {
    class Bad extends nn.Module {
      layers = [new nn.Linear(2, 2)];
      forward(x: Tensor): Tensor { return x; }
    }
    expect(() => new Bad().parameters()).toThrow(/plain array of modules.*ModuleList/);
  });

  it('train()/eval() reach every descendant; requiresGrad_ and apply() too', () => {
    const model = smallResnet();
    model.eval();
    expect(model.modules().every((m) => !m.training)).toBe(true);
    model.train();
    expect(model.modules().every((m) => m.training)).toBe(true);
    model.requiresGrad_(false);
    expect(model.parameters().some((p) => p.requiresGrad)).toBe(false);
    const seen: string[] = [];
    new nn.Sequential(new nn.Linear(2, 2), new nn.Sequential(new nn.ReLU())).apply((m) => seen.push(m.typeName));
    expect(seen).toEqual(['Linear', 'ReLU', 'Sequential', 'Sequential']);
  });

  it('zeroGrad drops gradients (setToNone) or zeroes them in place', () => {
    const m = new Mlp();
    m.call(L.randn([5, 4])).sum().backward();
    expect(m.parameters().every((p) => p.grad !== null)).toBe(true);
    const g = m.fc1.weight.grad!;
    m.zeroGrad({ setToNone: false });
    expect(m.fc1.weight.grad).toBe(g);
    expect(Array.from(g.values).every((v) => v === 0)).toBe(true);
    m.zeroGrad();
    expect(m.parameters().every((p) => p.grad === null)).toBe(true);
  });

  it('to("float64") converts parameters, buffers and gradients in place, keeping the objects', () => {
    const m = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
    m.call(L.randn([4, 3])).sum().backward();
    const params = m.parameters();
    const before = params.map((p) => Array.from(p.values));
    m.double();
    expect(m.parameters()).toEqual(params);
    params.forEach((p, i) => {
      expect(p.dtype).toBe('float64');
      expect(p.grad!.dtype).toBe('float64');
      expect(Array.from(p.values)).toEqual(before[i]);
    });
    const bn = m.at(1) as nn.BatchNorm1d;
    expect(bn.runningMean!.dtype).toBe('float64');
    expect(bn.numBatchesTracked!.dtype).toBe('int32');
    expect(m.call(L.randn([4, 3], { dtype: 'float64' })).dtype).toBe('float64');
    expect(() => m.call(L.randn([4, 3]))).toThrow(L.DTypeError);
    m.float();
    expect(params[0].dtype).toBe('float32');
  });

  it('forward hooks see the output and may replace it', () => {
    const fc = new nn.Linear(2, 2);
    const seen: number[][] = [];
    const remove = fc.registerForwardHook((_m, _args, y) => { seen.push(y.shape); });
    fc.call(L.randn([3, 2]));
    const removeDouble = fc.registerForwardHook((_m, _args, y) => y.mul(2));
    const x = L.randn([1, 2]);
    expect(Array.from(fc.call(x).values)).toEqual(Array.from(fc.forward(x).mul(2).values));
    remove();
    removeDouble();
    fc.call(x);
    expect(seen).toEqual([[3, 2], [1, 2]]);
  });
});

describe('stateDict and loadStateDict', () => {
  it('round-trips: a fresh model loaded from a state dict computes the same outputs', () => {
    L.manualSeed(1);
    const a = smallResnet();
    a.call(L.randn([4, 3, 8, 8]));  // moves the running statistics
    const b = smallResnet();
    b.loadStateDict(a.stateDict());
    a.eval();
    b.eval();
    const x = L.randn([2, 3, 8, 8]);
    expect(Array.from(b.call(x).values)).toEqual(Array.from(a.call(x).values));
    const sdA = a.stateDict(), sdB = b.stateDict();
    for (const k of Object.keys(sdA)) expect(Array.from(sdB[k].values), k).toEqual(Array.from(sdA[k].values));
    expect(sdB['1.num_batches_tracked'].item()).toBe(1);
  });

  it('stateDict values share storage with the module and carry no graph', () => {
    const fc = new nn.Linear(2, 2);
    const sd = fc.stateDict();
    expect(sd.weight.storage).toBe(fc.weight.storage);
    expect(sd.weight.requiresGrad).toBe(false);
  });

  it('names missing, unexpected and mis-shaped keys, and loads nothing on error', () => {
    const m = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
    const before = Array.from(m.at(0).getParameter('weight')!.values);
    const sd = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2)).stateDict();
    const missing = { ...sd };
    delete missing['1.running_var'];
    expect(() => m.loadStateDict({ ...missing, extra: L.zeros([1]) })).toThrow(/missing keys: '1.running_var'[\s\S]*unexpected keys: 'extra'/);
    expect(() => m.loadStateDict({ ...sd, '0.weight': L.zeros([3, 2]) })).toThrow(L.ShapeError);
    expect(() => m.loadStateDict({ ...sd, '0.weight': L.zeros([3, 2]) })).toThrow(/size mismatch for '0.weight': the state dict has \[3,2\], the module has \[2,3\]/);
    expect(Array.from(m.at(0).getParameter('weight')!.values)).toEqual(before);
    const r = m.loadStateDict({ ...missing, extra: L.zeros([1]) }, { strict: false });
    expect(r).toEqual({ missingKeys: ['1.running_var'], unexpectedKeys: ['extra'] });
    expect(Array.from(m.at(0).getParameter('weight')!.values)).toEqual(Array.from(sd['0.weight'].values));
    expect(() => m.loadStateDict({ ...sd, '0.bias': [1, 2] as unknown as Tensor })).toThrow(/'0.bias' is not a Tensor/);
  });

  it('accepts a Map and casts dtypes', () => {
    const fc = new nn.Linear(2, 1);
    fc.loadStateDict(new Map([['weight', L.tensor([[1, 2]], { dtype: 'float64' })], ['bias', L.tensor([0.5], { dtype: 'float64' })]]));
    expect(fc.weight.dtype).toBe('float32');
    expect(Array.from(fc.call(L.tensor([[1, 1]])).values)).toEqual([3.5]);
  });
});

describe('containers', () => {
  it('Sequential chains, indexes, appends and takes named modules', () => {
    const s = new nn.Sequential(new nn.Linear(2, 3), new nn.ReLU());
    s.append(new nn.Linear(3, 1));
    expect(s.length).toBe(3);
    expect(s.at(-1)).toBeInstanceOf(nn.Linear);
    expect([...s].map((m) => m.typeName)).toEqual(['Linear', 'ReLU', 'Linear']);
    expect(s.call(L.randn([4, 2])).shape).toEqual([4, 1]);
    const named = new nn.Sequential({ encoder: new nn.Linear(2, 2), act: new nn.Tanh() });
    expect(Object.keys(named.stateDict())).toEqual(['encoder.weight', 'encoder.bias']);
    expect(() => s.at(3)).toThrow(/out of range/);
    expect(() => new nn.Sequential(new nn.ReLU(), 5 as unknown as nn.Module)).toThrow(/modules\[1\] must be a Module/);
  });

  it('ModuleList and ModuleDict register their entries and have no forward', () => {
    const list = new nn.ModuleList<nn.Module>([new nn.Linear(2, 2), new nn.Linear(2, 2)]);
    list.append(new nn.ReLU());
    expect(list.length).toBe(3);
    expect(Object.keys(list.stateDict())).toEqual(['0.weight', '0.bias', '1.weight', '1.bias']);
    expect(() => list.forward()).toThrow(/no forward/);
    const dict = new nn.ModuleDict<nn.Module>({ b: new nn.Linear(1, 1), a: new nn.Linear(1, 2) });
    dict.set('10', new nn.Identity());
    expect(dict.keys()).toEqual(['b', 'a', '10']);
    expect(Object.keys(dict.stateDict())).toEqual(['b.weight', 'b.bias', 'a.weight', 'a.bias']);
    expect(dict.get('a')).toBeInstanceOf(nn.Linear);
    expect(() => dict.get('zz')).toThrow(/no module under 'zz'/);
  });

  it('Residual adds the block to the identity or to a projection', () => {
    const block = new nn.Linear(4, 4);
    const r = new nn.Residual(block);
    const x = L.randn([3, 4]);
    expect(Array.from(r.call(x).values)).toEqual(Array.from(x.add(block.call(x)).values));
    const proj = new nn.Residual(new nn.Linear(4, 2), { shortcut: new nn.Linear(4, 2, { bias: false }) });
    expect(proj.call(x).shape).toEqual([3, 2]);
    expect(Object.keys(proj.stateDict())).toEqual(['block.weight', 'block.bias', 'shortcut.weight']);
    expect(() => new nn.Residual(new nn.Linear(4, 2)).call(x)).toThrow(/pass a projection as \{ shortcut \}/);
  });
});

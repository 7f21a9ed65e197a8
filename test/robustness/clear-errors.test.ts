/**
 * Errors that used to be raw or misleading now name the op, the argument and the
 * limit: output sizes past 2^31-1 elements or the ArrayBuffer limit (checked by one
 * helper, checkOutputSize, before anything is allocated), a BigInt size, and a
 * tensor from another build of Lattice (ESM vs CommonJS), which is now a Tensor.
 */
import { describe, expect, it } from 'vitest';
import { adaptiveAvgPool2d, add, conv2d, convTranspose2d, Tensor, tensor, zeros } from '../../src/index';
import { Parameter } from '../../src/nn/parameter';
import { checkOutputSize } from '../../src/ops/util';
import { safetensorsBundle } from './child';

describe('output sizes are checked before allocating', () => {
  it('conv2d with padding 1e5 names the op, the output shape and the arguments it came from', () => {
    expect(() => conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), null, { padding: 1e5 }))
      .toThrow('conv2d: the output would be float32 [1,1,200002,200002] = 40000800004 elements (from x float32[1,1,4,4], weight float32[1,1,3,3], padding 100000x100000, stride 1x1), more than the limit of 2^31-1 elements per tensor');
  });

  it('convTranspose2d with stride 1e5', () => {
    expect(() => convTranspose2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), null, { stride: 1e5 }))
      .toThrow(/^convTranspose2d: the output would be float32 \[1,1,300003,300003\] = 90001800009 elements \(from x float32\[1,1,4,4\], weight float32\[1,1,3,3\], stride \[100000,100000\]/);
  });

  it('adaptiveAvgPool2d(1e6)', () => {
    expect(() => adaptiveAvgPool2d(zeros([1, 1, 4, 4]), 1e6))
      .toThrow('adaptiveAvgPool2d: the output would be float32 [1,1,1000000,1000000] = 1000000000000 elements (from x float32[1,1,4,4] and outputSize [1000000,1000000]), more than the limit');
  });

  it('the byte limit of one ArrayBuffer is named too (float64 under 2^31-1 elements can pass it)', () => {
    expect(() => checkOutputSize('conv2d', [1, 1, 32768, 32768], 'float64', 'padding 16383'))
      .toThrow(/^conv2d: the output would be float64 \[1,1,32768,32768\] = 8589934592 bytes \(from padding 16383\), more than the \d+ bytes one ArrayBuffer can hold here$/);
  });

  it('zeros([3n]) names the BigInt size instead of failing to serialise it', () => {
    expect(() => zeros([3n as never])).toThrow('zeros: shape [3n] has an invalid size 3n (a bigint) (sizes are integers in [0, 2^31))');
  });
});

describe('a tensor of another Lattice build is a Tensor', () => {
  it('a tensor from a separately bundled copy of the Tensor class passes instanceof and works in ops', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const other = require(safetensorsBundle()) as { Tensor: typeof Tensor };
    expect(other.Tensor).not.toBe(Tensor);
    const foreign = other.Tensor.fromData(Float32Array.from([1, 2, 3]), [3], 'float32');
    expect(foreign instanceof Tensor).toBe(true);
    expect(add(foreign as Tensor, 1).toArray()).toEqual([2, 3, 4]);
    expect(tensor([1]) instanceof other.Tensor).toBe(true);
  });

  it('subclasses keep the ordinary check: a plain tensor is not a Parameter', () => {
    expect(tensor([1]) instanceof Parameter).toBe(false);
    expect(new Parameter(tensor([1])) instanceof Parameter).toBe(true);
    expect(new Parameter(tensor([1])) instanceof Tensor).toBe(true);
    expect({} instanceof Tensor).toBe(false);
    expect((null as unknown) instanceof Tensor).toBe(false);
  });
});

describe('arguments of any kind reach the message', () => {
  it('a BigInt in a permute or split list is shown, not a serialisation failure', async () => {
    const { permute, split } = await import('../../src/index');
    expect(() => permute(zeros([2, 3]), [0n] as never)).toThrow('permute: dims [0n] must list all 2 dims');
    expect(() => split(zeros([4]), [1n, 3n] as never)).toThrow(/split: sections \[1n,3n\]/);
  });

  it('a tensor or typed array where a shape belongs is named by shape and type, not dumped value by value', async () => {
    const { convAlgorithm, randn } = await import('../../src/index');
    const x = randn([32, 3, 64, 64]);
    let message = '';
    try {
      convAlgorithm({ input: x as never, weight: [8, 3, 3, 3] });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe('convAlgorithm: input must be a shape [N,C,H,W] or [C,H,W] of non-negative integers, got Tensor(shape [32,3,64,64], float32)');
    expect(() => convAlgorithm({ input: new Float32Array(1000) as never, weight: [8, 3, 3, 3] })).toThrow(/got Float32Array\(1000\)$/);
  });

  it('a typed array or tensor where a number belongs is named, not printed element by element', async () => {
    const { clipGradNorm, randn } = await import('../../src/index');
    const p = randn([3]).requiresGrad_();
    expect(() => clipGradNorm([p], new Float32Array(1_000_000) as never)).toThrow(/^clipGradNorm: maxNorm must be a number >= 0, got Float32Array\(1000000\)$/);
    expect(() => clipGradNorm([p], randn([40, 40]) as never)).toThrow(/got Tensor\(shape \[40,40\], float32\)$/);
  });

  it('a long argument is cut, with its length named', async () => {
    const { fmtValue } = await import('../../src/errors');
    const long = fmtValue({ list: Array.from({ length: 500 }, (_, i) => i) });
    expect(long.length).toBeLessThan(260);
    expect(long).toMatch(/^\{"list":\[0,1,2,.*… \(\d+ characters\)$/);
    expect(fmtValue([1, 2, 3])).toBe('[1,2,3]');
  });
});

describe('BigInt options of conv and pooling ops are shown', () => {
  it('conv2d stride, maxPool1d kernelSize and adaptiveAvgPool2d outputSize', async () => {
    const { adaptiveAvgPool2d: adaptive, maxPool1d } = await import('../../src/index');
    expect(() => conv2d(zeros([1, 1, 4, 4]), zeros([1, 1, 3, 3]), null, { stride: 2n as never })).toThrow(/conv2d: stride must be a .*got 2n/);
    expect(() => maxPool1d(zeros([1, 1, 4]), 2n as never)).toThrow('maxPool1d: kernelSize must be a number, got 2n');
    expect(() => adaptive(zeros([1, 1, 4, 4]), [2n, 2] as never)).toThrow(/adaptiveAvgPool2d: outputSize must be positive integers, got \[2n,2\]/);
  });
});

describe('outputs that grow past the limits from several inputs name their op', () => {
  it('matmul, a broadcasting add and cat', async () => {
    const { matmul, cat } = await import('../../src/index');
    expect(() => matmul(zeros([60000, 1]), zeros([1, 60000]))).toThrow('matmul: the output would be float32 [60000,60000] = 3600000000 elements (from a [60000,1] and b [1,60000]), more than the limit of 2^31-1 elements per tensor');
    expect(() => add(zeros([60000, 1]), zeros([1, 60000]))).toThrow('add: the output would be float32 [60000,60000] = 3600000000 elements (from broadcasting float32[60000,1] and float32[1,60000])');
    const half = zeros([2 ** 30]);
    expect(() => cat([half, half], 0)).toThrow('cat: the output would be float32 [2147483648] = 2147483648 elements (from 2 tensors along dim 0)');
    half.dispose();
  });
});

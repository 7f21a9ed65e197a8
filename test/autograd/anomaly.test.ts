/** detectAnomaly: the first op to make NaN/Inf, forward or backward, named with its call site and inputs. */
import { beforeEach, describe, expect, it } from 'vitest';
import * as L from '../../src/index';
import { AnomalyError } from '../../src/index';

beforeEach(() => L.manualSeed(0));

/** The error fn throws (failing the test if it does not). */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('detectAnomaly', () => {
  it('forward: log(0) * 0 names log, which turned finite input into -Inf, with the call site in this file', () => {
    const x = L.tensor([0, 1, 2], { requiresGrad: true });
    const err = thrown(() => L.detectAnomaly(() => x.log().mul(0)));
    expect(err).toBeInstanceOf(AnomalyError);
    expect(err.message).toMatch(/^detectAnomaly: log returned -Inf \(1 of 3 elements; first at \[0\]\) in the forward pass from finite inputs float32\[3\]; log was called at .*anomaly\.test\.ts:\d+:\d+/);
  });

  it('forward: reports NaN and Inf counts and the first bad index of an n-d output', () => {
    const x = L.tensor([[1, 0], [-1, 0]]);
    const err = thrown(() => L.detectAnomaly(() => L.div(L.tensor([[1, 0], [1, 1]]), x)));
    // [[1/1, 0/0], [1/-1, 1/0]]: NaN at [0,1] and +Inf at [1,1].
    expect(err.message).toMatch(/div returned NaN and \+Inf \(2 of 4 elements; first at \[0,1\]\) in the forward pass from finite inputs float32\[2,2\], float32\[2,2\]/);
    const nan = thrown(() => L.detectAnomaly(() => L.sqrt(L.tensor([4, -1]))));
    expect(nan.message).toMatch(/sqrt returned NaN \(1 of 2 elements; first at \[1\]\)/);
  });

  it('forward: an op fed an existing NaN is not blamed; outside detectAnomaly nothing is checked', () => {
    const bad = L.tensor([NaN, 1]);
    expect(() => L.detectAnomaly(() => bad.exp().add(1))).not.toThrow();
    expect(() => L.tensor([0]).log()).not.toThrow();
  });

  it('backward: sqrt at 0 has a finite forward and an Inf gradient; the message names sqrt, its input and where it was called', () => {
    const x = L.tensor([0, 4], { requiresGrad: true });
    const err = thrown(() => L.detectAnomaly(() => x.sqrt().sum().backward()));
    expect(err).toBeInstanceOf(AnomalyError);
    expect(err.message).toMatch(/^detectAnomaly: the backward of sqrt returned \+Inf \(1 of 2 elements; first at \[0\]\) in the gradient of input 0 from a finite output gradient float32\[2\] \(inputs float32\[2\]\); sqrt was called at .*anomaly\.test\.ts:\d+:\d+/);
  });

  it('backward: a customOp whose backward returns NaN is named', () => {
    const broken = L.customOp({
      name: 'brokenSquare',
      forward: (t) => t.square(),
      backward: (g) => [g.mul(L.tensor([NaN, 1, 1]))],
    });
    const x = L.tensor([1, 2, 3], { requiresGrad: true });
    const err = thrown(() => L.detectAnomaly(() => broken(x).mul(2).sum().backward()));
    expect(err.message).toMatch(/^detectAnomaly: the backward of brokenSquare returned NaN \(1 of 3 elements; first at \[0\]\) in the gradient of input 0 .* \(inputs float32\[3\]\); brokenSquare was called at .*anomaly\.test\.ts/);
  });

  it('backward: with the forward outside detectAnomaly, the message says how to get the call site', () => {
    const x = L.tensor([0, 1], { requiresGrad: true });
    const y = x.sqrt().sum();
    const err = thrown(() => L.detectAnomaly(() => y.backward()));
    expect(err.message).toMatch(/backward of sqrt .*; its forward ran outside detectAnomaly, so where sqrt was called is unknown; run the forward pass inside detectAnomaly too/);
  });

  it('without detectAnomaly the same backward silently gives Inf (the check is opt-in), and the mode is restored after a throw', () => {
    const x = L.tensor([0, 1], { requiresGrad: true });
    x.sqrt().sum().backward();
    expect(x.grad!.data()[0]).toBe(Infinity);
    thrown(() => L.detectAnomaly(() => L.tensor([0]).log()));
    expect(() => L.tensor([0]).log()).not.toThrow();
  });

  it('returns fn’s value when nothing is wrong', () => {
    const x = L.tensor([1, 2], { requiresGrad: true });
    const v = L.detectAnomaly(() => {
      const loss = x.square().sum();
      loss.backward();
      return loss.item();
    });
    expect(v).toBe(5);
    expect(Array.from(x.grad!.data())).toEqual([2, 4]);
  });
});

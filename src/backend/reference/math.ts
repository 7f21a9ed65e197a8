/** Scalar math the reference kernels share with their native twins' definitions. */

const SQRT_PI = Math.sqrt(Math.PI);

/**
 * erf to double precision: Maclaurin series for |x| < 2.5 (at most ~3 digits
 * lost to cancellation), else erfc's continued fraction
 * erfc(x) = e^{-x^2}/sqrt(pi) * 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))).
 */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax < 2.5) {
    const x2 = x * x;
    let term = x, sum = x;
    for (let n = 1; n < 60; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / SQRT_PI) * sum;
  }
  if (ax > 6) return Math.sign(x);
  let frac = ax;
  for (let k = 60; k >= 1; k--) frac = ax + k / 2 / frac;
  const erfc = Math.exp(-ax * ax) / SQRT_PI / frac;
  return x > 0 ? 1 - erfc : erfc - 1;
}

/** Round half to even, as torch.round and C's nearbyint. */
export function roundHalfEven(x: number): number {
  if (!Number.isFinite(x)) return x;
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

const GELU_TANH_C = Math.sqrt(2 / Math.PI);

export function gelu(x: number): number {
  return 0.5 * x * (1 + erf(x / Math.SQRT2));
}

export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(GELU_TANH_C * (x + 0.044715 * x * x * x)));
}

/** softplus with PyTorch's beta and linear threshold. */
export function softplus(x: number, beta: number, threshold: number): number {
  return x * beta > threshold ? x : Math.log1p(Math.exp(beta * x)) / beta;
}

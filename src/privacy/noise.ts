/**
 * Where DP noise and Poisson sampling draw their randomness. By default every draw comes
 * from a Philox stream keyed afresh from the OS's cryptographic generator (node:crypto),
 * so no seed exists that an observer could learn or replay. A fixed seed makes runs
 * reproducible and is for debugging only: it is announced with a warning.
 */
import { randomBytes } from 'node:crypto';
import { PhiloxStream } from '../backend/philox';
import { randn } from '../ops/creation';
import type { Tensor } from '../tensor/tensor';

/** A source of Gaussian noise and uniform draws for DP-SGD. @example `new NoiseSource().gaussian([3], 1.1, 'float32')` */
export class NoiseSource {
  readonly secure: boolean;
  private readonly seeded: PhiloxStream | null;

  constructor(opts: { seed?: number | bigint } = {}) {
    this.secure = opts.seed === undefined;
    this.seeded = opts.seed === undefined ? null : new PhiloxStream(opts.seed);
    if (!this.secure) {
      process.emitWarning('privacy: noise comes from a seeded Philox generator (seed given): runs are reproducible, and anyone who knows the seed can remove the noise; the result is NOT differentially private. Leave the seed out for private training.', 'PrivacyWarning');
    }
  }

  /** The stream for the next draw: a fresh cryptographically keyed one, or the seeded one. */
  stream(): PhiloxStream {
    if (this.seeded) return this.seeded;
    return new PhiloxStream(randomBytes(8).readBigUInt64LE(0));
  }

  /** N(0, std²) noise of the given shape. */
  gaussian(shape: number[], std: number, dtype: 'float32' | 'float64'): Tensor {
    return randn(shape, { dtype, generator: this.stream() }).mul(std);
  }
}

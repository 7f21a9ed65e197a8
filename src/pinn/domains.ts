/**
 * Geometries for collocation: interval, rectangle (any dimension), disk, and
 * time x space. A domain maps unit-cube samples (see sampling.ts) onto its
 * interior and its boundary, so uniform, Latin-hypercube and Sobol points all
 * work everywhere; the maps preserve measure (a uniform cube gives uniform points).
 * Points are tensors [n, dim]; a time-dependent domain puts t in the last column.
 */
import { ArgumentError } from '../errors';
import { Tensor } from '../tensor/tensor';
import { unitCubePoints, type SampleOptions } from './sampling';

/** How a domain samples points: a `SampleOptions` method, generator or seed, plus the tensor dtype (default float64) and whether the points require grad (default true inside, where derivatives are taken). @example `domain.sampleInterior(10000, { method: 'latinHypercube', seed: 0 })` */
export interface PointOptions extends SampleOptions {
  /** Tensor dtype (default float64: PINN residuals want the precision). */
  dtype?: 'float32' | 'float64';
  /** Mark the points as requiring grad (default true for interior points: derivatives are taken at them). */
  requiresGrad?: boolean;
}

/** Boundary points and their outward unit normals, both [n, dim]. */
export interface BoundarySample {
  points: Tensor;
  normals: Tensor;
}

function toTensor(data: Float64Array, n: number, dim: number, opts: PointOptions, requiresGradDefault: boolean): Tensor {
  const dtype = opts.dtype ?? 'float64';
  const t = Tensor.fromData(dtype === 'float64' ? data : Float32Array.from(data), [n, dim], dtype);
  t.requiresGrad = opts.requiresGrad ?? requiresGradDefault;
  return t;
}

function checkN(where: string, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new ArgumentError(`${where}: n must be a non-negative integer, got ${n}`);
}

/** A region of R^dim that can be sampled. */
export abstract class Domain {
  /** Number of coordinates. */
  abstract readonly dim: number;
  /** Lower corner of the bounding box (input normalisation maps the box onto [-1, 1]). */
  abstract readonly lower: number[];
  /** Upper corner of the bounding box. */
  abstract readonly upper: number[];
  /** Unit-cube dimensions one interior point consumes. */
  abstract readonly interiorUnitDim: number;
  /** Unit-cube dimensions one boundary point consumes. */
  abstract readonly boundaryUnitDim: number;

  /** Maps n unit-cube rows (interiorUnitDim each) to n interior points (dim each). */
  abstract mapInterior(unit: Float64Array, n: number): Float64Array;
  /** Maps n unit-cube rows (boundaryUnitDim each) to n boundary points and their outward normals. */
  abstract mapBoundary(unit: Float64Array, n: number): { points: Float64Array; normals: Float64Array };
  /** Whether a point lies in the closed domain (within tol). */
  abstract contains(p: ArrayLike<number>, tol?: number): boolean;

  /**
   * n interior points, [n, dim].
   * @example `const x = domain.sampleInterior(10000, { method: 'latinHypercube', seed: 0 })`
   */
  sampleInterior(n: number, opts: PointOptions = {}): Tensor {
    checkN('Domain.sampleInterior', n);
    return toTensor(this.mapInterior(unitCubePoints(n, this.interiorUnitDim, opts), n), n, this.dim, opts, true);
  }

  /**
   * n boundary points with their outward normals, [n, dim] each.
   * @example `const { points, normals } = disk.sampleBoundary(200, { seed: 0 })`
   */
  sampleBoundary(n: number, opts: PointOptions = {}): BoundarySample {
    checkN('Domain.sampleBoundary', n);
    const { points, normals } = this.mapBoundary(unitCubePoints(n, this.boundaryUnitDim, opts), n);
    return { points: toTensor(points, n, this.dim, opts, false), normals: toTensor(normals, n, this.dim, { ...opts, requiresGrad: false }, false) };
  }
}

/**
 * An axis-aligned box [lower, upper] in any dimension (a rectangle in 2-D).
 * Boundary points fall on each face in proportion to its measure.
 * @example `const square = new pinn.Rectangle([0, 0], [1, 1])`
 */
export class Rectangle extends Domain {
  readonly dim: number;
  readonly lower: number[];
  readonly upper: number[];
  readonly interiorUnitDim: number;
  readonly boundaryUnitDim: number;
  /** Cumulative face measures, faces ordered (dim 0 low, dim 0 high, dim 1 low, ...). */
  private readonly faceCdf: number[];

  constructor(lower: number[], upper: number[]) {
    super();
    if (!Array.isArray(lower) || !Array.isArray(upper) || lower.length === 0 || lower.length !== upper.length) {
      throw new ArgumentError(`pinn.Rectangle: lower and upper must be non-empty arrays of one length, got ${JSON.stringify(lower)} and ${JSON.stringify(upper)}`);
    }
    lower.forEach((a, i) => {
      if (!Number.isFinite(a) || !Number.isFinite(upper[i]) || !(upper[i] > a)) throw new ArgumentError(`pinn.Rectangle: dim ${i} has lower ${a} and upper ${upper[i]}; need finite lower < upper`);
    });
    this.dim = lower.length;
    this.lower = lower.slice();
    this.upper = upper.slice();
    this.interiorUnitDim = this.dim;
    this.boundaryUnitDim = this.dim;
    const side = lower.map((a, i) => upper[i] - a);
    const faces: number[] = [];
    for (let k = 0; k < this.dim; k++) {
      const measure = side.reduce((p, s, i) => (i === k ? p : p * s), 1);
      faces.push(measure, measure);
    }
    const total = faces.reduce((a, b) => a + b, 0);
    let acc = 0;
    this.faceCdf = faces.map((m) => (acc += m / total));
  }

  mapInterior(unit: Float64Array, n: number): Float64Array {
    const d = this.dim;
    const out = new Float64Array(n * d);
    for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) out[i * d + j] = this.lower[j] + unit[i * d + j] * (this.upper[j] - this.lower[j]);
    return out;
  }

  mapBoundary(unit: Float64Array, n: number): { points: Float64Array; normals: Float64Array } {
    const d = this.dim;
    const points = new Float64Array(n * d), normals = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      // The first unit coordinate picks the face (and, rescaled within the face's share, the
      // position along the face's first free axis), the others place the point on the face.
      const u0 = unit[i * d];
      // In 1-D the boundary is two points: alternate them, so any n >= 2 holds both ends.
      let face = d === 1 ? i % 2 : this.faceCdf.findIndex((c) => u0 < c);
      if (face < 0) face = this.faceCdf.length - 1;
      const lo = face === 0 ? 0 : this.faceCdf[face - 1];
      const within = Math.min(Math.max((u0 - lo) / (this.faceCdf[face] - lo), 0), 1 - 1e-16);
      const axis = face >> 1, high = face & 1;
      let free = 0;
      for (let j = 0; j < d; j++) {
        if (j === axis) {
          points[i * d + j] = high ? this.upper[j] : this.lower[j];
          normals[i * d + j] = high ? 1 : -1;
        } else {
          const u = free === 0 ? within : unit[i * d + free];
          points[i * d + j] = this.lower[j] + u * (this.upper[j] - this.lower[j]);
          free++;
        }
      }
    }
    return { points, normals };
  }

  contains(p: ArrayLike<number>, tol = 1e-12): boolean {
    for (let j = 0; j < this.dim; j++) if (p[j] < this.lower[j] - tol || p[j] > this.upper[j] + tol) return false;
    return true;
  }
}

/**
 * The interval [a, b]; its boundary is the two end points, a and b alternately when sampled.
 * @example `const space = new pinn.Interval(-1, 1)`
 */
export class Interval extends Rectangle {
  constructor(readonly a: number, readonly b: number) {
    super([a], [b]);
  }
}

/**
 * The disk |x - center| <= radius in the plane. Interior points use r = R sqrt(u0),
 * theta = 2 pi u1 (uniform in area); boundary points theta = 2 pi u0.
 * @example `const disk = new pinn.Disk([0, 0], 1)`
 */
export class Disk extends Domain {
  readonly dim = 2;
  readonly interiorUnitDim = 2;
  readonly boundaryUnitDim = 1;
  readonly lower: number[];
  readonly upper: number[];

  constructor(readonly center: [number, number], readonly radius: number) {
    super();
    if (!Array.isArray(center) || center.length !== 2 || !center.every(Number.isFinite)) throw new ArgumentError(`pinn.Disk: center must be [x, y], got ${JSON.stringify(center)}`);
    if (!(radius > 0) || !Number.isFinite(radius)) throw new ArgumentError(`pinn.Disk: radius must be a positive number, got ${radius}`);
    this.lower = [center[0] - radius, center[1] - radius];
    this.upper = [center[0] + radius, center[1] + radius];
  }

  mapInterior(unit: Float64Array, n: number): Float64Array {
    const out = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      const r = this.radius * Math.sqrt(unit[2 * i]), th = 2 * Math.PI * unit[2 * i + 1];
      out[2 * i] = this.center[0] + r * Math.cos(th);
      out[2 * i + 1] = this.center[1] + r * Math.sin(th);
    }
    return out;
  }

  mapBoundary(unit: Float64Array, n: number): { points: Float64Array; normals: Float64Array } {
    const points = new Float64Array(n * 2), normals = new Float64Array(n * 2);
    for (let i = 0; i < n; i++) {
      const th = 2 * Math.PI * unit[i];
      normals[2 * i] = Math.cos(th);
      normals[2 * i + 1] = Math.sin(th);
      points[2 * i] = this.center[0] + this.radius * normals[2 * i];
      points[2 * i + 1] = this.center[1] + this.radius * normals[2 * i + 1];
    }
    return { points, normals };
  }

  contains(p: ArrayLike<number>, tol = 1e-12): boolean {
    return Math.hypot(p[0] - this.center[0], p[1] - this.center[1]) <= this.radius + tol;
  }
}

/**
 * A time interval times a space domain: points are [space..., t] (t last, column `dim - 1`).
 * The boundary is the space boundary at every t (normals have 0 in the t column);
 * the initial slice is t = t0.
 * @example `const omega = new pinn.TimeSpace(new pinn.Interval(0, 1), new pinn.Interval(-1, 1)); const x = omega.sampleInterior(10000)`
 */
export class TimeSpace extends Domain {
  readonly dim: number;
  readonly lower: number[];
  readonly upper: number[];
  readonly interiorUnitDim: number;
  readonly boundaryUnitDim: number;

  constructor(readonly time: Interval, readonly space: Domain) {
    super();
    if (!(time instanceof Interval)) throw new ArgumentError('pinn.TimeSpace: time must be a pinn.Interval');
    if (!(space instanceof Domain)) throw new ArgumentError('pinn.TimeSpace: space must be a pinn domain');
    this.dim = space.dim + 1;
    this.lower = [...space.lower, time.a];
    this.upper = [...space.upper, time.b];
    this.interiorUnitDim = space.interiorUnitDim + 1;
    this.boundaryUnitDim = space.boundaryUnitDim + 1;
  }

  /** The column that holds t. */
  get timeDim(): number {
    return this.dim - 1;
  }

  /** Splits n rows of width w into the leading (w - 1) columns and the last one. */
  private static split(unit: Float64Array, n: number, w: number): [Float64Array, Float64Array] {
    const head = new Float64Array(n * (w - 1)), last = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < w - 1; j++) head[i * (w - 1) + j] = unit[i * w + j];
      last[i] = unit[i * w + w - 1];
    }
    return [head, last];
  }

  private join(space: Float64Array, t: Float64Array | number, n: number): Float64Array {
    const ds = this.space.dim, d = this.dim;
    const out = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < ds; j++) out[i * d + j] = space[i * ds + j];
      out[i * d + ds] = typeof t === 'number' ? t : this.time.a + t[i] * (this.time.b - this.time.a);
    }
    return out;
  }

  mapInterior(unit: Float64Array, n: number): Float64Array {
    const [s, t] = TimeSpace.split(unit, n, this.interiorUnitDim);
    return this.join(this.space.mapInterior(s, n), t, n);
  }

  mapBoundary(unit: Float64Array, n: number): { points: Float64Array; normals: Float64Array } {
    const [s, t] = TimeSpace.split(unit, n, this.boundaryUnitDim);
    const b = this.space.mapBoundary(s, n);
    return { points: this.join(b.points, t, n), normals: this.join(b.normals, 0, n) };
  }

  /**
   * n points of the initial slice t = t0, [n, dim].
   * @example `const x0 = omega.sampleInitial(100, { method: 'latinHypercube', seed: 1 })`
   */
  sampleInitial(n: number, opts: PointOptions = {}): Tensor {
    checkN('TimeSpace.sampleInitial', n);
    const s = this.space.mapInterior(unitCubePoints(n, this.space.interiorUnitDim, opts), n);
    return toTensor(this.join(s, this.time.a, n), n, this.dim, opts, false);
  }

  contains(p: ArrayLike<number>, tol = 1e-12): boolean {
    const t = p[this.dim - 1];
    return t >= this.time.a - tol && t <= this.time.b + tol && this.space.contains(p, tol);
  }
}

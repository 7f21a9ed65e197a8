/**
 * Which algorithm runs a conv2d, and the Winograd filter cache.
 *
 * The native backend has three: the direct one (im2col + GEMM, every geometry and dtype,
 * exact to float rounding), Winograd F(4x4, 3x3) (float32 3x3 convolutions with stride
 * 1, dilation 1 and groups 1; 36 multiplies per 4x4 output tile instead of 144, about one
 * decimal digit less accurate) and 'direct-small-c' (float32, groups 1, 1..4 input channels:
 * the first layer of an image network, where im2col + GEMM has a tiny K; no im2col buffer,
 * exact to float rounding), and 'implicit-gemm' (float32, groups 1, AVX-512: the GEMM reads the
 * input in place through a per-tap offset table instead of an im2col copy, and packs only the
 * weight; strided layers; exact to float rounding). float64
 * always takes the direct algorithm, so gradcheck and other float64 checks see the exact one.
 *
 * The transformed filter U = G w G^T (4x the weight's size) is kept per weight storage and
 * reused until the storage's version counter moves (every in-place update, optimizer steps
 * included, bumps it), so inference and repeated calls with one weight transform it once.
 */
import { backend } from '../backend/index';
import type { ConvGeometry, ConvPass } from '../backend/backend';

export type { ConvPass };
import { ArgumentError } from '../errors';
import { allocateAlignedFloat32, type DType } from '../tensor/dtype';
import type { Tensor } from '../tensor/tensor';
import { DerivedArrays } from './derived-arrays';

/** The conv2d algorithm policy: see {@link setConvAlgorithm}. */
export type ConvAlgorithmMode = 'direct' | 'winograd' | 'direct-small-c' | 'implicit-gemm' | 'auto';

/** The algorithms a conv2d can run (see {@link setConvAlgorithm}). @example `convAlgorithm({ input: [8, 1, 28, 28], weight: [32, 1, 3, 3] }).algorithm // 'direct'` */
export type ConvAlgorithmName = 'direct' | 'winograd' | 'direct-small-c' | 'implicit-gemm';

const MODES: readonly ConvAlgorithmMode[] = ['auto', 'direct', 'winograd', 'direct-small-c', 'implicit-gemm'];
const MODE_LIST = "'auto', 'direct', 'winograd', 'direct-small-c' or 'implicit-gemm'";

/** The starting policy: LATTICE_CONV_ALGORITHM if set (like LATTICE_ISA, for runs that cannot call setConvAlgorithm), else 'auto'. */
function initialMode(): ConvAlgorithmMode {
  const v = typeof process !== 'undefined' ? process.env.LATTICE_CONV_ALGORITHM : undefined;
  if (v === undefined || v === '') return 'auto';
  if (!MODES.includes(v as ConvAlgorithmMode)) throw new ArgumentError(`LATTICE_CONV_ALGORITHM must be ${MODE_LIST}, got '${v}'`);
  return v as ConvAlgorithmMode;
}

let mode: ConvAlgorithmMode = initialMode();

/**
 * Chooses the algorithm behind conv2d (and conv1d, convTranspose2d and their gradients) on
 * the native backend.
 * - 'auto' (the default): Winograd F(4x4, 3x3) where it applies and a table measured per
 *   shape class at build time (`bench/conv-table.ts`, compiled into the addon) says it is
 *   faster; else 'direct-small-c' where it applies and its table (`bench/conv-algos.ts`)
 *   says it is faster; else 'implicit-gemm' for the passes of strided layers where it was
 *   measured faster (bench/conv-stride2.ts); the direct algorithm elsewhere. Nothing is timed
 *   at run time.
 * - 'winograd': Winograd wherever it applies, whatever the table says; direct elsewhere.
 * - 'direct-small-c': the direct kernels for 1..4 input channels wherever they apply
 *   (groups 1, float32; any kernel, stride, padding, dilation); direct elsewhere.
 * - 'implicit-gemm': the implicit-GEMM kernels wherever they apply (float32, groups 1, an
 *   AVX-512 CPU; the input gradient needs a column stride of 1 or 2);
 *   direct elsewhere.
 * - 'direct': never Winograd, 'direct-small-c' nor 'implicit-gemm' (bitwise the results of
 *   earlier versions).
 *
 * The environment variable LATTICE_CONV_ALGORITHM sets the starting policy the same way.
 *
 * Winograd applies to float32 convolutions with a 3x3 kernel, stride 1, dilation 1 and
 * groups 1. 'winograd' (like 'direct-small-c') is a preference, like PyTorch's backend flags, not a demand: the
 * convolutions it cannot take (a stride-2 downsampling layer, a 1x1 projection, float64)
 * silently run the direct algorithm, so one setting can cover a whole model.
 * {@link convAlgorithm} says which algorithm a given convolution gets, and why.
 * Winograd's results differ from the exact ones by more rounding than the direct algorithm's:
 * at most 3.4e-6 relative (2-norm over the tensor) on random normal float32 data, against
 * 4.8e-7 for the direct algorithm (test/kernels/winograd.parity.test.ts); data with a wide
 * dynamic range within a tile can lose more.
 * @example
 * ```ts
 * setConvAlgorithm('direct');    // exact im2col + GEMM everywhere
 * setConvAlgorithm('auto');      // back to the measured choice
 * ```
 */
export function setConvAlgorithm(algorithm: ConvAlgorithmMode): void {
  if (!MODES.includes(algorithm)) throw new ArgumentError(`setConvAlgorithm: algorithm must be ${MODE_LIST}, got ${JSON.stringify(algorithm)}`);
  mode = algorithm;
}

/** The current policy set by {@link setConvAlgorithm}. @example `getConvAlgorithm() // 'auto'` */
export function getConvAlgorithm(): ConvAlgorithmMode {
  return mode;
}

/** Why a convolution got its algorithm (see {@link convAlgorithm}). */
export type ConvAlgorithmReason = 'backend' | 'dtype' | 'geometry' | 'forced' | 'table';

/** Why Winograd cannot take g, or null when it can. */
export function winogradRefusal(g: ConvGeometry): string | null {
  const bad: string[] = [];
  if (g.kh !== 3 || g.kw !== 3) bad.push(`kernel ${g.kh}x${g.kw}`);
  if (g.strideH !== 1 || g.strideW !== 1) bad.push(`stride ${g.strideH}x${g.strideW}`);
  if (g.dilationH !== 1 || g.dilationW !== 1) bad.push(`dilation ${g.dilationH}x${g.dilationW}`);
  if (g.groups !== 1) bad.push(`groups ${g.groups}`);
  if (g.n * g.c * g.o * g.oh * g.ow === 0) bad.push('an empty batch, channel axis or output');
  return bad.length ? bad.join(', ') : null;
}

/** Why the direct small-channel kernels cannot take g, or null when they can. */
export function directSmallCRefusal(g: ConvGeometry): string | null {
  const bad: string[] = [];
  if (g.groups !== 1) bad.push(`groups ${g.groups}`);
  if (g.c < 1 || g.c > 4) bad.push(`${g.c} input channels`);
  if (g.n * g.o * g.oh * g.ow === 0) bad.push('an empty batch, channel axis or output');
  return bad.length ? bad.join(', ') : null;
}

/** Why the implicit-GEMM kernels cannot take this pass of g, or null when they can (the ISA is the backend's to refuse). */
export function implicitGemmRefusal(g: ConvGeometry, pass: ConvPass = 'forward'): string | null {
  const bad: string[] = [];
  if (g.groups !== 1) bad.push(`groups ${g.groups}`);
  if (pass === 'backwardInput' && g.strideW > 2) bad.push(`column stride ${g.strideW} in an input gradient`);
  if (g.n * g.c * g.o * g.oh * g.ow === 0) bad.push('an empty batch, channel axis or output');
  return bad.length ? bad.join(', ') : null;
}

/**
 * The choice for one pass of a convolution: the algorithm that runs it, and the reason. 'auto' takes
 * each pass from the table: the passes are separate products (cuDNN and oneDNN choose per pass too),
 * so a forward by Winograd may have its weight gradient computed exactly where that is faster.
 */
export function chooseConvAlgorithm(g: ConvGeometry, dtype: DType, pass: ConvPass = 'forward'): [ConvAlgorithmName, ConvAlgorithmReason] {
  const b = backend();
  if (!b.winograd) return ['direct', 'backend'];
  if (dtype !== 'float32') return ['direct', 'dtype'];
  if (mode === 'direct') return ['direct', 'forced'];
  const winogradFits = winogradRefusal(g) === null;
  const smallFits = b.directSmallC !== undefined && directSmallCRefusal(g) === null;
  // The native side also checks the ISA (AVX-512): there, preferred() is false where the kernels cannot run.
  const implicitFits = b.implicitGemm !== undefined && implicitGemmRefusal(g, pass) === null;
  if (mode === 'winograd') return winogradFits ? ['winograd', 'forced'] : ['direct', 'geometry'];
  if (mode === 'direct-small-c') return smallFits ? ['direct-small-c', 'forced'] : ['direct', 'geometry'];
  if (mode === 'implicit-gemm') return implicitFits && b.implicitGemm!.applies(g) ? ['implicit-gemm', 'forced'] : ['direct', 'geometry'];
  // The small-channel table first: it was measured on 1-4 input channels themselves, where the
  // Winograd table's lowest class (<= 16 channels) was measured at 3 and 16. Where direct-small-c
  // beats im2col it beat Winograd too ([64,3,10,10] -> 8 forward: 0.07 against 0.21 ms).
  if (smallFits && b.directSmallC!.preferred(g, pass)) return ['direct-small-c', 'table'];
  if (winogradFits && b.winograd.preferred(g, pass)) return ['winograd', 'table'];
  if (implicitFits && b.implicitGemm!.preferred(g, pass)) return ['implicit-gemm', 'table'];
  return ['direct', winogradFits || smallFits || implicitFits ? 'table' : 'geometry'];
}

const filters = new DerivedArrays<Float32Array>();

/**
 * The Winograd transform of weight [o, c, 3, 3] for g (transposed: of the flipped filter,
 * for the input gradient), kept with the weight's storage until it changes.
 */
export function winogradFilter(weight: Tensor, g: ConvGeometry, transposed: boolean): Float32Array {
  const kernels = backend().winograd!;
  const layout = kernels.filterLayout(g, transposed);
  // The panel width is the ISA's (setIsa can change it), and fixes U's layout with o and c.
  return filters.get(weight.storage, `${g.o}x${g.c} panel ${layout.panel}`, transposed ? 'transposed' : 'forward',
    () => allocateAlignedFloat32(layout.length), (u) => kernels.filter(weight.values as Float32Array, u, g, transposed))!;
}

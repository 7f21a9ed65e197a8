/** Native convolution and pooling kernels: thin wrappers that flatten the geometry into the Int32Array the addon reads. */
import type { Backend, ConvGeometry, ConvPass, DirectSmallCKernels, ImplicitGemmKernels, PoolGeometry, WinogradKernels } from '../backend';
import type { NativeBinding } from './binding';

type ConvPoolKernels = Pick<Backend, 'conv2d' | 'conv2dBackwardInput' | 'conv2dBackwardWeight' | 'maxPool2d' | 'maxPool2dBackward' | 'maxPool2x2Backward'
  | 'avgPool2d' | 'avgPool2dBackward' | 'adaptiveAvgPool2d' | 'adaptiveAvgPool2dBackward'> & { winograd: WinogradKernels; directSmallC: DirectSmallCKernels; implicitGemm: ImplicitGemmKernels };

/** ConvPass in native/kernels/conv_direct.h's order. */
const PASSES: readonly ConvPass[] = ['forward', 'backwardInput', 'backwardWeight'];

/** ConvGeometry in native/bindings/conv.cc's order. */
function convGeometry(g: ConvGeometry): Int32Array {
  return Int32Array.of(g.n, g.c, g.h, g.w, g.o, g.oh, g.ow, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW, g.dilationH, g.dilationW, g.groups);
}

/** PoolGeometry in native/bindings/pool.cc's order. */
function poolGeometry(g: PoolGeometry): Int32Array {
  return Int32Array.of(g.planes, g.h, g.w, g.oh, g.ow, g.kh, g.kw, g.strideH, g.strideW, g.padH, g.padW, g.dilationH, g.dilationW);
}

export function convPoolKernels(addon: NativeBinding): ConvPoolKernels {
  return {
    conv2d: (x, w, bias, out, g, relu) => addon.conv2d(x, w, bias, out, convGeometry(g), relu === true),
    conv2dBackwardInput: (gy, w, gx, g) => addon.conv2dBackwardInput(gy, w, gx, convGeometry(g)),
    conv2dBackwardWeight: (x, gy, gw, g) => addon.conv2dBackwardWeight(x, gy, gw, convGeometry(g)),
    winograd: {
      filter: (w, U, g, transposed) => addon.conv2dWinogradFilter(w, U, convGeometry(g), transposed),
      forward: (x, U, bias, out, g, relu) => addon.conv2dWinograd(x, U, bias, out, convGeometry(g), relu === true),
      backwardInput: (gy, Ut, gx, g) => addon.conv2dWinogradBackwardInput(gy, Ut, gx, convGeometry(g)),
      backwardWeight: (x, gy, gw, g) => addon.conv2dWinogradBackwardWeight(x, gy, gw, convGeometry(g)),
      preferred: (g, pass) => addon.conv2dWinogradPreferred(convGeometry(g), PASSES.indexOf(pass)),
      filterLayout: (g, transposed) => {
        const [length, panel] = addon.conv2dWinogradFilterLayout(convGeometry(g), transposed);
        return { length, panel };
      },
    },
    directSmallC: {
      forward: (x, w, bias, out, g, relu) => addon.conv2dDirectSmallC(x, w, bias, out, convGeometry(g), relu === true),
      backwardInput: (gy, w, gx, g) => addon.conv2dDirectSmallCBackwardInput(gy, w, gx, convGeometry(g)),
      backwardWeight: (x, gy, gw, g) => addon.conv2dDirectSmallCBackwardWeight(x, gy, gw, convGeometry(g)),
      preferred: (g, pass) => addon.conv2dDirectSmallCPreferred(convGeometry(g), PASSES.indexOf(pass)),
    },
    implicitGemm: {
      forward: (x, w, bias, out, g, relu) => addon.conv2dImplicit(x, w, bias, out, convGeometry(g), relu === true),
      backwardInput: (gy, w, gx, g) => addon.conv2dImplicitBackwardInput(gy, w, gx, convGeometry(g)),
      backwardWeight: (x, gy, gw, g) => addon.conv2dImplicitBackwardWeight(x, gy, gw, convGeometry(g)),
      preferred: (g, pass) => addon.conv2dImplicitPreferred(convGeometry(g), PASSES.indexOf(pass)),
      applies: (g) => addon.conv2dImplicitApplies(convGeometry(g)),
    },
    maxPool2d: (x, out, indices, g, relu, taps) => addon.maxPool2d(x, out, indices, poolGeometry(g), relu === true, taps ?? null),
    maxPool2dBackward: (gy, indices, gx, g) => addon.maxPool2dBackward(gy, indices, gx, poolGeometry(g)),
    maxPool2x2Backward: (taps, gy, gx, g) => addon.maxPool2x2Backward(taps, gy, gx, poolGeometry(g)),
    avgPool2d: (x, out, g, countIncludePad, divisor) => addon.avgPool2d(x, out, poolGeometry(g), countIncludePad, divisor),
    avgPool2dBackward: (gy, gx, g, countIncludePad, divisor) => addon.avgPool2dBackward(gy, gx, poolGeometry(g), countIncludePad, divisor),
    adaptiveAvgPool2d: (x, out, planes, h, w, oh, ow) => addon.adaptiveAvgPool2d(x, out, planes, h, w, oh, ow),
    adaptiveAvgPool2dBackward: (gy, gx, planes, h, w, oh, ow) => addon.adaptiveAvgPool2dBackward(gy, gx, planes, h, w, oh, ow),
  };
}

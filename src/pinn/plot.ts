/**
 * A self-contained SVG heatmap of a field on a grid (a solution, its error),
 * with a colour bar: enough to look at a PINN result without a plotting stack.
 */
import { ArgumentError } from '../errors';

/** Options of `heatmapSvg`: title, axis labels and ranges, colour-scale limits (default the data's min and max) and the pixel size of a cell. @example `pinn.heatmapSvg(u, 256, 100, { title: 'u(t, x)', xRange: [-1, 1], yRange: [0, 1] })` */
export interface HeatmapOptions {
  /** Title above the map. */
  title?: string;
  /** Axis labels (default 'x' across, 't' up). */
  xLabel?: string;
  yLabel?: string;
  /** Axis ranges shown on the ticks (default [0, 1] each). */
  xRange?: [number, number];
  yRange?: [number, number];
  /** Colour scale limits (default the data's min and max). */
  vmin?: number;
  vmax?: number;
  /** Size of one cell in pixels (default 2 across, 3 up). */
  cell?: [number, number];
}

/** A diverging blue-white-red ramp on s in [0, 1]. */
function colour(s: number): string {
  const c = Math.min(Math.max(s, 0), 1);
  const [r, g, b] = c < 0.5
    ? [Math.round(59 + (255 - 59) * 2 * c), Math.round(76 + (255 - 76) * 2 * c), Math.round(192 + (255 - 192) * 2 * c)]
    : [Math.round(255 - (255 - 180) * (2 * c - 1)), Math.round(255 - (255 - 4) * (2 * c - 1)), Math.round(255 - (255 - 38) * (2 * c - 1))];
  return `rgb(${r},${g},${b})`;
}

const fmt = (v: number): string => (Math.abs(v) >= 1e-2 || v === 0 ? v.toFixed(2) : v.toExponential(1));

/**
 * SVG text of values[row * nx + col] drawn with row 0 at the bottom (y increasing upwards).
 * @example `writeFileSync('u.svg', pinn.heatmapSvg(u, 256, 100, { title: 'u(t, x)', xRange: [-1, 1] }))`
 */
export function heatmapSvg(values: ArrayLike<number>, nx: number, ny: number, opts: HeatmapOptions = {}): string {
  if (!Number.isInteger(nx) || !Number.isInteger(ny) || nx < 1 || ny < 1 || values.length !== nx * ny) {
    throw new ArgumentError(`pinn.heatmapSvg: values has ${values.length} entries for a ${nx} x ${ny} grid`);
  }
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  const vmin = opts.vmin ?? lo, vmax = opts.vmax ?? hi;
  const span = vmax > vmin ? vmax - vmin : 1;
  const [cw, ch] = opts.cell ?? [2, 3];
  const left = 50, top = 30, w = nx * cw, h = ny * ch;
  const [x0, x1] = opts.xRange ?? [0, 1], [y0, y1] = opts.yRange ?? [0, 1];
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${left + w + 90}" height="${top + h + 45}" font-family="sans-serif" font-size="11">`);
  if (opts.title) parts.push(`<text x="${left}" y="18" font-size="13">${opts.title}</text>`);
  for (let r = 0; r < ny; r++) {
    for (let c = 0; c < nx; c++) {
      const s = (values[r * nx + c] - vmin) / span;
      parts.push(`<rect x="${left + c * cw}" y="${top + (ny - 1 - r) * ch}" width="${cw}" height="${ch}" fill="${colour(s)}"/>`);
    }
  }
  parts.push(`<rect x="${left}" y="${top}" width="${w}" height="${h}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${left}" y="${top + h + 15}">${x0}</text><text x="${left + w}" y="${top + h + 15}" text-anchor="end">${x1}</text>`);
  parts.push(`<text x="${left + w / 2}" y="${top + h + 30}" text-anchor="middle">${opts.xLabel ?? 'x'}</text>`);
  parts.push(`<text x="${left - 6}" y="${top + h}" text-anchor="end">${y0}</text><text x="${left - 6}" y="${top + 10}" text-anchor="end">${y1}</text>`);
  parts.push(`<text x="${left - 25}" y="${top + h / 2}" text-anchor="middle">${opts.yLabel ?? 't'}</text>`);
  const barX = left + w + 15, steps = 50;
  for (let k = 0; k < steps; k++) {
    parts.push(`<rect x="${barX}" y="${top + h - ((k + 1) * h) / steps}" width="14" height="${h / steps + 0.5}" fill="${colour((k + 0.5) / steps)}"/>`);
  }
  parts.push(`<text x="${barX + 18}" y="${top + h}">${fmt(vmin)}</text><text x="${barX + 18}" y="${top + 10}">${fmt(vmax)}</text>`);
  parts.push('</svg>');
  return parts.join('\n');
}

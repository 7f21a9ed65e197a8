/**
 * IDX files (the MNIST family's format), plain or gzip. Layout: a big-endian
 * magic (0x00 0x00 type ndim), ndim big-endian uint32 sizes, then the data.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { ArgumentError } from '../errors';

/** The error thrown for a malformed IDX file; the message names the file. */
export class IdxFormatError extends ArgumentError {}

/** A parsed IDX file (the MNIST format): shape, type code and the values. @example `const { shape } = readIdx('train-images-idx3-ubyte.gz')` */
export interface IdxArray {
  /** Sizes from the header, e.g. [60000, 28, 28]. */
  shape: number[];
  /** Element type code: 0x08 ubyte, 0x09 byte, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64. */
  type: number;
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

const TYPE_SIZES: Record<number, number> = { 0x08: 1, 0x09: 1, 0x0b: 2, 0x0c: 4, 0x0d: 4, 0x0e: 8 };

/** Parses IDX bytes (gunzipping first when they start with the gzip magic). `name` is used in errors. */
export function parseIdx(bytes: Uint8Array, name: string): IdxArray {
  let raw = bytes;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch (e) {
      throw new IdxFormatError(`readIdx: ${name} is not a valid gzip file (${(e as Error).message})`);
    }
  }
  if (raw.length < 4) throw new IdxFormatError(`readIdx: ${name} is ${raw.length} bytes, too short for an IDX header`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (raw[0] !== 0 || raw[1] !== 0) throw new IdxFormatError(`readIdx: ${name} has bad magic bytes ${raw[0]} ${raw[1]} (expected 0 0)`);
  const type = raw[2], ndim = raw[3];
  const size = TYPE_SIZES[type];
  if (!size) throw new IdxFormatError(`readIdx: ${name} has unknown element type 0x${type.toString(16)}`);
  const headerBytes = 4 + 4 * ndim;
  if (raw.length < headerBytes) throw new IdxFormatError(`readIdx: ${name} is truncated inside its header (${raw.length} of ${headerBytes} bytes)`);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i, false));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * size;
  if (raw.length !== expected) {
    throw new IdxFormatError(`readIdx: ${name} holds ${raw.length - headerBytes} data bytes but its header [${shape.join(',')}] needs ${count * size}${raw.length < expected ? ' (truncated)' : ' (trailing bytes)'}`);
  }
  // ubyte (the MNIST case) is returned as a view, not a copy: the images are 47 MB and a
  // second copy raises peak memory. Other types are decoded into new arrays below.
  if (type === 0x08) return { shape, type, data: raw.subarray(headerBytes) };
  // A copy with its own ArrayBuffer (Buffer.slice would share the pool).
  const body = new Uint8Array(raw.subarray(headerBytes));
  let data: IdxArray['data'];
  switch (type) {
    case 0x09: data = new Int8Array(body.buffer); break;
    default: {
      // Multi-byte types are big-endian on disk.
      const dv = new DataView(body.buffer);
      if (type === 0x0b) { data = new Int16Array(count); for (let i = 0; i < count; i++) data[i] = dv.getInt16(2 * i, false); }
      else if (type === 0x0c) { data = new Int32Array(count); for (let i = 0; i < count; i++) data[i] = dv.getInt32(4 * i, false); }
      else if (type === 0x0d) { data = new Float32Array(count); for (let i = 0; i < count; i++) data[i] = dv.getFloat32(4 * i, false); }
      else { data = new Float64Array(count); for (let i = 0; i < count; i++) data[i] = dv.getFloat64(8 * i, false); }
    }
  }
  return { shape, type, data };
}

/**
 * Reads an IDX file (plain or .gz); sizes are verified against the header and
 * any mismatch names the file.
 * @example `const { shape, data } = readIdx('data/fashion-mnist/t10k-labels-idx1-ubyte.gz')`
 */
export function readIdx(path: string): IdxArray {
  if (typeof path !== 'string') throw new ArgumentError(`readIdx: path must be a string, got ${typeof path}`);
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new IdxFormatError(`readIdx: cannot read ${path}: ${(e as Error).message}`);
  }
  return parseIdx(bytes, path);
}

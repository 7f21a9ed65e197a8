/**
 * safetensors files: an 8-byte little-endian header length, a JSON header
 * {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__: {k: v}},
 * then the raw little-endian tensor bytes. Writes are atomic (temporary file,
 * fsync, rename), so a crash mid-save leaves the previous file intact.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { ArgumentError } from '../errors';
import type { DType } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';

/** A safetensors file that cannot be read; the message names the file and what is wrong. */
export class CheckpointError extends ArgumentError {}

const TO_FILE: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };
const FILE_SIZES: Record<string, number> = { F32: 4, F64: 8, I32: 4, BOOL: 1, I64: 8, F16: 2, BF16: 2, U8: 1, I8: 1, I16: 2 };
const MAX_HEADER = 100 * 1024 * 1024;

/**
 * Writes tensors (and string metadata) to a safetensors file, atomically.
 * @example `saveSafetensors('model.safetensors', model.stateDict(), { epoch: '3' })`
 */
export function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  if (typeof path !== 'string' || path === '') throw new ArgumentError('saveSafetensors: path must be a non-empty string');
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new ArgumentError(`saveSafetensors: metadata '${k}' must be a string, got ${typeof v}`);
    }
    header.__metadata__ = metadata;
  }
  const names = Object.keys(tensors).sort();
  let offset = 0;
  for (const name of names) {
    const t = tensors[name];
    if (!(t instanceof Tensor)) throw new ArgumentError(`saveSafetensors: '${name}' is not a Tensor`);
    const bytes = t.values.byteLength;
    header[name] = { dtype: TO_FILE[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  // Pad the header with spaces to a multiple of 8 so the data is aligned (the format allows it).
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, prefix);
    writeSync(fd, headerBytes);
    for (const name of names) {
      const v = tensors[name].values;
      writeSync(fd, new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
    }
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
  try {
    const dirFd = openSync(dirname(path), 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  }
}

function fail(path: string, why: string): never {
  throw new CheckpointError(`loadSafetensors: ${path}: ${why}`);
}

function decode(path: string, name: string, dtype: string, bytes: Uint8Array, count: number): { data: Float32Array | Float64Array | Int32Array | Uint8Array; dtype: DType } {
  const copy = new Uint8Array(bytes); // own ArrayBuffer, aligned for typed views
  const dv = new DataView(copy.buffer);
  switch (dtype) {
    case 'F32': return { data: new Float32Array(copy.buffer), dtype: 'float32' };
    case 'F64': return { data: new Float64Array(copy.buffer), dtype: 'float64' };
    case 'I32': return { data: new Int32Array(copy.buffer), dtype: 'int32' };
    case 'BOOL': return { data: copy, dtype: 'bool' };
    case 'U8': case 'I8': case 'I16': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = dtype === 'U8' ? dv.getUint8(i) : dtype === 'I8' ? dv.getInt8(i) : dv.getInt16(2 * i, true);
      return { data: out, dtype: 'int32' };
    }
    case 'I64': {
      // PyTorch stores indices as int64; Lattice's integer type is int32, so values must fit.
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) {
        const v = dv.getBigInt64(8 * i, true);
        if (v > 2147483647n || v < -2147483648n) fail(path, `tensor '${name}' (I64) holds ${v}, outside int32`);
        out[i] = Number(v);
      }
      return { data: out, dtype: 'int32' };
    }
    case 'F16': case 'BF16': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) {
        const h = dv.getUint16(2 * i, true);
        out[i] = dtype === 'BF16' ? new Float32Array(new Uint32Array([h << 16]).buffer)[0] : halfToFloat(h);
      }
      return { data: out, dtype: 'float32' };
    }
    default: return fail(path, `tensor '${name}' has unsupported dtype '${dtype}'`);
  }
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1, exp = (h >> 10) & 0x1f, frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/**
 * Reads a safetensors file (Lattice's or PyTorch tooling's). A truncated or
 * corrupt file throws a CheckpointError naming the file and the problem.
 * @example `const { tensors, metadata } = loadSafetensors('model.safetensors')`
 */
export function loadSafetensors(path: string): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  if (typeof path !== 'string') throw new ArgumentError('loadSafetensors: path must be a string');
  let file: Buffer;
  try {
    file = readFileSync(path);
  } catch (e) {
    throw new CheckpointError(`loadSafetensors: cannot read ${path}: ${(e as Error).message}`);
  }
  if (file.length < 8) fail(path, `${file.length} bytes is too short for a safetensors header`);
  const headerLength = file.readBigUInt64LE(0);
  if (headerLength > BigInt(Math.min(MAX_HEADER, file.length - 8))) fail(path, `header length ${headerLength} exceeds the file (${file.length} bytes): truncated or not safetensors`);
  const hl = Number(headerLength);
  let header: Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(file.subarray(8, 8 + hl).toString('utf8'));
  } catch (e) {
    return fail(path, `the header is not valid JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail(path, 'the header is not a JSON object');
  const dataStart = 8 + hl;
  const dataLength = file.length - dataStart;
  const tensors: Record<string, Tensor> = {};
  let metadata: Record<string, string> = {};
  const spans: [number, number, string][] = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') { metadata = entry as Record<string, string>; continue; }
    const e = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
    if (!e || typeof e.dtype !== 'string' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets)) fail(path, `entry '${name}' lacks dtype, shape or data_offsets`);
    const size = FILE_SIZES[e.dtype];
    if (!size) fail(path, `tensor '${name}' has unsupported dtype '${e.dtype}'`);
    if (!e.shape.every((d) => Number.isInteger(d) && d >= 0)) fail(path, `tensor '${name}' has an invalid shape ${JSON.stringify(e.shape)}`);
    const [begin, end] = e.data_offsets;
    const count = e.shape.reduce((a, b) => a * b, 1);
    if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end < begin || end > dataLength) {
      fail(path, `tensor '${name}' has data_offsets [${begin}, ${end}] outside the ${dataLength} data bytes (truncated?)`);
    }
    if (end - begin !== count * size) fail(path, `tensor '${name}' is ${e.dtype} [${e.shape.join(',')}] = ${count * size} bytes but data_offsets span ${end - begin}`);
    spans.push([begin, end, name]);
    const { data, dtype } = decode(path, name, e.dtype, file.subarray(dataStart + begin, dataStart + end), count);
    tensors[name] = Tensor.fromData(data, e.shape.slice(), dtype);
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i][0] < spans[i - 1][1]) fail(path, `tensors '${spans[i - 1][2]}' and '${spans[i][2]}' overlap`);
  }
  return { tensors, metadata };
}

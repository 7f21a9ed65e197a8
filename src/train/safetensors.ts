/**
 * safetensors files: an 8-byte little-endian header length, a JSON header
 * {name: {dtype, shape, data_offsets: [begin, end]}, __metadata__: {k: v}},
 * then the raw little-endian tensor bytes. Writes are atomic (see
 * atomic-write.ts), so a crash mid-save leaves the previous file intact.
 *
 * Files of any size: the bytes move in slices of at most 1 GiB, both ways (one
 * fs call takes at most 2 GiB), straight between the file and each tensor's
 * buffer. Loading checks everything it can before reading any tensor: a regular
 * file (not a FIFO or a device such as /dev/zero), the header's length and UTF-8,
 * no repeated key, metadata of strings, shapes within 2^31-1 elements, offsets
 * inside the file; bool bytes must be 0 or 1.
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';
import { ArgumentError, fmtArg } from '../errors';
import type { DType, TypedArray } from '../tensor/dtype';
import { Tensor } from '../tensor/tensor';
import { fileError, ioChunk, writeFileAtomic } from './atomic-write';
import { findDuplicateKey } from './json-duplicates';

/** A safetensors file that cannot be read; the message names the file and what is wrong. */
export class CheckpointError extends ArgumentError {}

const TO_FILE: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };
const FILE_SIZES: Record<string, number> = { F32: 4, F64: 8, I32: 4, BOOL: 1, I64: 8, F16: 2, BF16: 2, U8: 1, I8: 1, I16: 2 };
const MAX_HEADER = 100 * 1024 * 1024;
const MAX_ELEMENTS = 2 ** 31 - 1;
/** The header's key for string metadata; no tensor may take it. */
const METADATA_KEY = '__metadata__';
/** A key that plain JS objects treat as their prototype: refused as a tensor or metadata name. */
const PROTO_KEY = '__proto__';

/**
 * Writes tensors (and string metadata) to a safetensors file, atomically.
 * The names `__metadata__` and `__proto__` are reserved and refused.
 * @example `saveSafetensors('model.safetensors', model.stateDict(), { epoch: '3' })`
 */
export function saveSafetensors(path: string, tensors: Record<string, Tensor>, metadata: Record<string, string> = {}): void {
  const op = 'saveSafetensors';
  if (typeof path !== 'string' || path === '') throw new ArgumentError(`${op}: path must be a non-empty string`);
  if (!tensors || typeof tensors !== 'object') throw new ArgumentError(`${op}: tensors must be an object of named tensors, got ${fmtArg(tensors)}`);
  // `obj['__proto__'] = t` on a plain object sets its prototype instead of adding a key: say so instead of dropping t.
  if (Object.getPrototypeOf(tensors) instanceof Tensor) {
    throw new ArgumentError(`${op}: a tensor was assigned to '${PROTO_KEY}' of the tensors object, which became its prototype; '${PROTO_KEY}' is a reserved name`);
  }
  if (!metadata || typeof metadata !== 'object') throw new ArgumentError(`${op}: metadata must be an object of strings, got ${fmtArg(metadata)}`);
  // A null-prototype header: no name can reach Object.prototype's setters.
  const header: Record<string, unknown> = Object.create(null);
  const meta: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(metadata)) {
    if (k === PROTO_KEY) throw new ArgumentError(`${op}: metadata key '${PROTO_KEY}' is reserved`);
    if (typeof v !== 'string') throw new ArgumentError(`${op}: metadata '${k}' must be a string, got ${typeof v}`);
    meta[k] = v;
  }
  if (Object.keys(meta).length) header[METADATA_KEY] = meta;
  const names = Object.keys(tensors).sort();
  let offset = 0;
  const host = new Map<string, TypedArray>();
  for (const name of names) {
    if (name === METADATA_KEY || name === PROTO_KEY) {
      throw new ArgumentError(`${op}: '${name}' is a reserved name in safetensors files; rename the tensor`);
    }
    const t = tensors[name];
    if (!(t instanceof Tensor)) throw new ArgumentError(`${op}: '${name}' is not a Tensor`);
    if (t.isDisposed) throw new ArgumentError(`${op}: '${name}' (${t.describe()}) was disposed and cannot be saved`);
    // A cuda tensor is copied to the host once here; `host` keeps the copies for the writes below.
    host.set(name, t.device === 'cpu' ? t.values : t.data());
    const bytes = host.get(name)!.byteLength;
    header[name] = { dtype: TO_FILE[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  // Pad the header with spaces to a multiple of 8 so the data is aligned (the format allows it).
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((Buffer.byteLength(json) + 8) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerBytes.length));
  function* parts(): Generator<Uint8Array> {
    yield prefix;
    yield headerBytes;
    for (const name of names) {
      const v = host.get(name)!;
      yield new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    }
  }
  writeFileAtomic(op, path, parts());
}

function fail(path: string, why: string): never {
  throw new CheckpointError(`loadSafetensors: ${path}: ${why}`);
}

/** Fills `into` from the file at `position`, in slices; fails on a short read. */
function readExactly(fd: number, path: string, into: Uint8Array, position: number): void {
  for (let at = 0; at < into.byteLength;) {
    const n = readSync(fd, into, at, Math.min(ioChunk(), into.byteLength - at), position + at);
    if (n === 0) fail(path, `the file ended after ${position + at} bytes while reading ${into.byteLength} at offset ${position} (truncated or changed while loading?)`);
    at += n;
  }
}

type Entry = { name: string; dtype: string; shape: number[]; begin: number; end: number; count: number };

/** The tensor of one checked entry, read straight into its buffer where the file's dtype is Lattice's. */
function readTensor(fd: number, path: string, dataStart: number, e: Entry): { data: Float32Array | Float64Array | Int32Array | Uint8Array; dtype: DType } {
  const raw = new Uint8Array(e.end - e.begin);
  readExactly(fd, path, raw, dataStart + e.begin);
  const { name, dtype, count } = e;
  const dv = new DataView(raw.buffer);
  switch (dtype) {
    case 'F32': return { data: new Float32Array(raw.buffer), dtype: 'float32' };
    case 'F64': return { data: new Float64Array(raw.buffer), dtype: 'float64' };
    case 'I32': return { data: new Int32Array(raw.buffer), dtype: 'int32' };
    case 'BOOL': {
      for (let i = 0; i < count; i++) if (raw[i] > 1) fail(path, `tensor '${name}' (BOOL) holds the byte ${raw[i]} at element ${i}; bool bytes must be 0 or 1`);
      return { data: raw, dtype: 'bool' };
    }
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

/** The header's entries, all checked against each other and the data's length before any tensor is read. */
function parseHeader(path: string, text: string, dataLength: number): { entries: Entry[]; metadata: Record<string, string> } {
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    return fail(path, `the header is not valid JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail(path, 'the header is not a JSON object');
  const duplicate = findDuplicateKey(text);
  if (duplicate) fail(path, `the header repeats the key '${duplicate.key}' in ${duplicate.within === 'header' ? 'its top level' : `'${duplicate.within}'`}`);
  const metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, entry] of Object.entries(header as Record<string, unknown>)) {
    if (name === PROTO_KEY) fail(path, `the header names a tensor '${PROTO_KEY}', a reserved name`);
    if (name === METADATA_KEY) {
      if (!entry || typeof entry !== 'object' || Array.isArray(entry)) fail(path, `${METADATA_KEY} must be an object of strings, got ${JSON.stringify(entry)}`);
      for (const [k, v] of Object.entries(entry as Record<string, unknown>)) {
        if (k === PROTO_KEY) fail(path, `${METADATA_KEY} has the reserved key '${PROTO_KEY}'`);
        if (typeof v !== 'string') fail(path, `${METADATA_KEY} '${k}' must be a string, got ${JSON.stringify(v)}`);
        metadata[k] = v;
      }
      continue;
    }
    const e = entry as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!e || typeof e !== 'object' || typeof e.dtype !== 'string' || !Array.isArray(e.shape) || !Array.isArray(e.data_offsets) || e.data_offsets.length !== 2) {
      fail(path, `entry '${name}' lacks dtype, shape or data_offsets [begin, end]`);
    }
    const size = FILE_SIZES[e.dtype];
    if (!size) fail(path, `tensor '${name}' has unsupported dtype '${e.dtype}'`);
    const shape = e.shape as unknown[];
    if (!shape.every((d) => Number.isInteger(d) && (d as number) >= 0 && (d as number) <= MAX_ELEMENTS)) {
      fail(path, `tensor '${name}' has an invalid shape ${JSON.stringify(shape)} (sizes are integers in [0, 2^31-1])`);
    }
    const dims = shape as number[];
    const count = dims.reduce((a, b) => a * b, 1);
    if (count > MAX_ELEMENTS) fail(path, `tensor '${name}' has shape [${dims.join(',')}] of ${count} elements, more than 2^31-1`);
    const [begin, end] = e.data_offsets as unknown[];
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || (begin as number) < 0 || (end as number) < (begin as number) || (end as number) > dataLength) {
      fail(path, `tensor '${name}' has data_offsets [${String(begin)}, ${String(end)}] outside the ${dataLength} data bytes (truncated?)`);
    }
    const b = begin as number, en = end as number;
    if (en - b !== count * size) fail(path, `tensor '${name}' is ${e.dtype} [${dims.join(',')}] = ${count * size} bytes but data_offsets span ${en - b}`);
    entries.push({ name, dtype: e.dtype, shape: dims.slice(), begin: b, end: en, count });
  }
  const spans = entries.slice().sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].begin < spans[i - 1].end) fail(path, `tensors '${spans[i - 1].name}' and '${spans[i].name}' overlap`);
  }
  return { entries, metadata };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Opens a safetensors file and checks its header; `use` gets the open descriptor, the data's start and the checked entries. */
function withHeader<T>(op: string, path: string, use: (fd: number, dataStart: number, parsed: { entries: Entry[]; metadata: Record<string, string> }) => T): T {
  if (typeof path !== 'string') throw new ArgumentError(`${op}: path must be a string`);
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused just below).
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (e) {
    throw new CheckpointError(fileError(op, path, 'read', e).message);
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      const kind = st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a FIFO' : st.isCharacterDevice() ? 'a character device' : st.isSocket() ? 'a socket' : 'not a regular file';
      fail(path, `is ${kind}, not a regular file`);
    }
    const fileLength = st.size;
    if (fileLength < 8) fail(path, `${fileLength} bytes is too short for a safetensors header`);
    const prefix = Buffer.alloc(8);
    readExactly(fd, path, prefix, 0);
    const headerLength = prefix.readBigUInt64LE(0);
    if (headerLength > BigInt(fileLength - 8)) fail(path, `header length ${headerLength} exceeds the file (${fileLength} bytes): truncated or not safetensors`);
    if (headerLength > BigInt(MAX_HEADER)) fail(path, `header length ${headerLength} is more than the ${MAX_HEADER}-byte limit: corrupt or not safetensors`);
    const hl = Number(headerLength);
    const headerBytes = Buffer.alloc(hl);
    readExactly(fd, path, headerBytes, 8);
    let text: string;
    try {
      text = utf8.decode(headerBytes);
    } catch {
      return fail(path, 'the header is not valid UTF-8');
    }
    const dataStart = 8 + hl;
    return use(fd, dataStart, parseHeader(path, text, fileLength - dataStart));
  } finally {
    closeSync(fd);
  }
}

/**
 * Reads a safetensors file (Lattice's or PyTorch tooling's). A truncated or
 * corrupt file, or a path that is not a regular file, throws a CheckpointError
 * naming the file and the problem; no tensor is made unless all are valid.
 * @example `const { tensors, metadata } = loadSafetensors('model.safetensors')`
 */
export function loadSafetensors(path: string): { tensors: Record<string, Tensor>; metadata: Record<string, string> } {
  return withHeader('loadSafetensors', path, (fd, dataStart, { entries, metadata }) => {
    const read = entries.map((e) => ({ e, ...readTensor(fd, path, dataStart, e) }));
    const tensors: Record<string, Tensor> = {};
    for (const { e, data, dtype } of read) tensors[e.name] = Tensor.fromData(data, e.shape, dtype);
    return { tensors, metadata };
  });
}

/**
 * The metadata of a safetensors file, from its header alone (the tensors' data is not read); the
 * header gets the same checks as in loadSafetensors.
 * @example `const { epoch } = JSON.parse(loadSafetensorsMetadata('runs/a/last.safetensors').extra)`
 */
export function loadSafetensorsMetadata(path: string): Record<string, string> {
  return withHeader('loadSafetensorsMetadata', path, (_fd, _dataStart, { metadata }) => metadata);
}

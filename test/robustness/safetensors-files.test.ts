/**
 * safetensors load and save against bad paths and malformed files: what is not a
 * regular file is refused before any read (/dev/zero and FIFOs used to read
 * forever or block, checked in child processes), every malformed header is named,
 * reserved names are refused, and a failed save names the target and the op and
 * leaves no temporary file behind.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { arange, load, randn, save, tensor } from '../../src/index';
import { _setIoChunkBytes, writeFileAtomic } from '../../src/train/atomic-write';
import { loadSafetensors, saveSafetensors } from '../../src/train/safetensors';
import { runChild, safetensorsBundle } from './child';

const dir = (): string => mkdtempSync(join(tmpdir(), 'lattice-st-'));

/** A file of an 8-byte header length, the header text (or bytes) and the data bytes. */
function rawFile(header: string | Buffer, data: Uint8Array = new Uint8Array(0), lengthOverride?: bigint): string {
  const h = typeof header === 'string' ? Buffer.from(header, 'utf8') : header;
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(lengthOverride ?? BigInt(h.length));
  const path = join(dir(), 'bad.safetensors');
  writeFileSync(path, Buffer.concat([prefix, h, Buffer.from(data)]));
  return path;
}

/** A child that loads `path` and prints the error's class and message. */
function loadInChild(path: string): ReturnType<typeof runChild> {
  return runChild(`
const { loadSafetensors } = require(${JSON.stringify(safetensorsBundle())});
try { loadSafetensors(${JSON.stringify(path)}); console.log('loaded'); }
catch (e) { console.log(e.constructor.name + ': ' + e.message); process.exitCode = 3; }`, { timeoutMs: 20_000 });
}

describe('load refuses what is not a regular file, without reading it', () => {
  it.runIf(process.platform === 'linux')('/dev/zero: a clear error at once (a child process, which used to read until it aborted)', () => {
    const r = loadInChild('/dev/zero');
    expect(r.signal).toBeNull();
    expect(r.status).toBe(3);
    expect(r.stdout).toMatch(/CheckpointError: loadSafetensors: \/dev\/zero: is a character device, not a regular file/);
  });

  it.runIf(process.platform !== 'win32')('a FIFO: refused without waiting for a writer (a child process, which used to block)', () => {
    const fifo = join(dir(), 'pipe.safetensors');
    execFileSync('mkfifo', [fifo]);
    const r = loadInChild(fifo);
    expect(r.signal).toBeNull();
    expect(r.status).toBe(3);
    expect(r.stdout).toContain(`loadSafetensors: ${fifo}: is a FIFO, not a regular file`);
  });

  it('a directory and a missing file name the path', () => {
    const d = dir();
    expect(() => load(d)).toThrow(`loadSafetensors: ${d}: is a directory, not a regular file`);
    expect(() => load(join(d, 'none.safetensors'))).toThrow(/loadSafetensors: cannot read .*none\.safetensors: its folder does not exist \(ENOENT\)/);
  });
});

describe('malformed files are refused with the file and the problem named', () => {
  const cases: [string, () => string, RegExp][] = [
    ['bool bytes other than 0 and 1', () => rawFile('{"b":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}}', Uint8Array.from([1, 0, 2])),
      /tensor 'b' \(BOOL\) holds the byte 2 at element 2; bool bytes must be 0 or 1/],
    ['__metadata__ that is a number', () => rawFile('{"__metadata__":5}'), /__metadata__ must be an object of strings, got 5/],
    ['__metadata__ with a non-string value', () => rawFile('{"__metadata__":{"epoch":3}}'), /__metadata__ 'epoch' must be a string, got 3/],
    ['a header that is not UTF-8', () => rawFile(Buffer.concat([Buffer.from('{"a\xff'.slice(0, 3), 'latin1'), Buffer.from([0xff, 0xfe]), Buffer.from('":{}}')])),
      /the header is not valid UTF-8/],
    ['a repeated tensor name', () => rawFile('{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', new Uint8Array(8)),
      /the header repeats the key 'w' in its top level/],
    ['a repeated field inside an entry', () => rawFile('{"w":{"dtype":"F32","shape":[1],"shape":[2],"data_offsets":[0,8]}}', new Uint8Array(8)),
      /the header repeats the key 'shape' in 'w'/],
    ['a shape of 2^53 x 0', () => rawFile(`{"w":{"dtype":"F32","shape":[${2 ** 53},0],"data_offsets":[0,0]}}`), /tensor 'w' has an invalid shape \[9007199254740992,0\]/],
    ['a negative size', () => rawFile('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}'), /tensor 'w' has an invalid shape \[-1\]/],
    ['sizes whose product passes 2^31-1', () => rawFile('{"w":{"dtype":"F32","shape":[65536,65536],"data_offsets":[0,0]}}'), /of 4294967296 elements, more than 2\^31-1/],
    ['data_offsets past the data', () => rawFile('{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', new Uint8Array(8)), /data_offsets \[0, 16\] outside the 8 data bytes/],
    ['data_offsets that are not numbers', () => rawFile('{"w":{"dtype":"F32","shape":[1],"data_offsets":["0",4]}}', new Uint8Array(4)), /data_offsets \[0, 4\] outside/],
    ['a header length past the file', () => rawFile('{}', new Uint8Array(0), 1000n), /header length 1000 exceeds the file \(10 bytes\)/],
    ['a header length past the cap', () => rawFile('{}', new Uint8Array(2 ** 20 * 101), 2n ** 20n * 101n), /header length 105906176 is more than the 104857600-byte limit/],
    ['a tensor named __proto__', () => rawFile('{"__proto__":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4)), /names a tensor '__proto__', a reserved name/],
    ['overlapping tensors', () => rawFile('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', new Uint8Array(12)),
      /tensors 'a' and 'b' overlap/],
  ];
  for (const [what, make, message] of cases) {
    it(what, () => {
      const path = make();
      let error: unknown;
      try { loadSafetensors(path); } catch (e) { error = e; }
      expect((error as Error)?.name).toBe('CheckpointError');
      expect((error as Error).message).toContain(`loadSafetensors: ${path}: `);
      expect((error as Error).message).toMatch(message);
    });
  }

  it('a well-formed file still loads (bool 0/1, string metadata, tensors that touch)', () => {
    const path = rawFile('{"__metadata__":{"k":"v"},"b":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]},"w":{"dtype":"I32","shape":[1],"data_offsets":[2,6]}}',
      Uint8Array.from([1, 0, 7, 0, 0, 0]));
    const { tensors, metadata } = loadSafetensors(path);
    expect(metadata).toEqual({ k: 'v' });
    expect(tensors.b.toArray()).toEqual([true, false]);
    expect(tensors.w.toArray()).toEqual([7]);
  });
});

describe('save', () => {
  afterEach(() => _setIoChunkBytes(1 << 30));

  it('moves the bytes in slices both ways (the path taken by files and tensors over 2 GiB), bit for bit', () => {
    _setIoChunkBytes(7);
    const path = join(dir(), 'sliced.safetensors');
    const a = randn([33, 5]), b = arange(0, 101).reshape([101]);
    save(path, { a, b }, { note: 'é and ü' });
    const { tensors, metadata } = load(path);
    expect(Array.from(tensors.a.data())).toEqual(Array.from(a.data()));
    expect(Array.from(tensors.b.data())).toEqual(Array.from(b.data()));
    expect(metadata.note).toBe('é and ü');
  });

  it('refuses the reserved names __metadata__ and __proto__ instead of dropping the tensor', () => {
    const path = join(dir(), 'r.safetensors');
    const t = tensor([1, 2]);
    expect(() => save(path, { ['__metadata__']: t })).toThrow("saveSafetensors: '__metadata__' is a reserved name in safetensors files; rename the tensor");
    expect(() => save(path, { ['__proto__']: t })).toThrow("saveSafetensors: '__proto__' is a reserved name");
    const assigned: Record<string, typeof t> = {};
    assigned['__proto__'] = t;  // sets the prototype of a plain object
    expect(() => save(path, assigned)).toThrow(/a tensor was assigned to '__proto__' of the tensors object, which became its prototype/);
    expect(() => save(path, { w: t }, JSON.parse('{"__proto__":"x"}'))).toThrow("saveSafetensors: metadata key '__proto__' is reserved");
    expect(readdirSync(join(path, '..'))).toEqual([]);
  });

  it('into a missing folder, onto a directory, or without permission: names the op and the target, never the temporary file', () => {
    const d = dir();
    const missing = join(d, 'no', 'such', 'model.safetensors');
    expect(() => save(missing, { w: tensor([1]) })).toThrow(`saveSafetensors: cannot save to ${missing}: its folder does not exist (ENOENT)`);
    const sub = join(d, 'folder');
    mkdirSync(sub);
    expect(() => save(sub, { w: tensor([1]) })).toThrow(`saveSafetensors: cannot save to ${sub}: it is a directory`);
    if (process.platform === 'linux') {
      // /sys refuses new files even to root, where a chmod-ed folder would not.
      expect(() => save('/sys/lattice.safetensors', { w: tensor([1]) })).toThrow('saveSafetensors: cannot save to /sys/lattice.safetensors: permission denied (EACCES)');
    }
  });

  it('the next save removes temporary files of that target left by dead processes (this and the earlier name format) and keeps live ones', () => {
    const d = dir();
    const path = join(d, 'm.safetensors');
    const dead = spawnSync(process.execPath, ['-e', '']).pid!;
    // The third: a random part of decimal digits only (read once as another target's old-format name).
    const stale = [`.m.safetensors.${dead}.0.0123abcd.tmp`, `.m.safetensors.${dead}.1733500000000.tmp`, `.m.safetensors.${dead}.0.335190535118.tmp`];
    const live = `.m.safetensors.${process.pid}.7.89abcdef.tmp`;  // a save in flight on another thread of this process
    const other = `.other.safetensors.${dead}.0.0123abcd.tmp`;  // another target's: not this save's business
    for (const f of [...stale, live, other]) writeFileSync(join(d, f), 'partial');
    save(path, { w: tensor([1]) });
    expect(readdirSync(d).sort()).toEqual([live, other, 'm.safetensors'].sort());
  });

  it('a temporary file whose pid now belongs to a process started after it was written is stale (pid reuse; Linux)', () => {
    if (process.platform !== 'linux') return;
    const d = dir();
    const path = join(d, 'm.safetensors');
    // This process's pid on a file last written an hour before this process started: a dead run's
    // (a container restarted with the same pids); and one written now: a save in flight.
    const old = `.m.safetensors.${process.pid}.0.0123abcd.tmp`, inFlight = `.m.safetensors.${process.pid}.3.89abcdef.tmp`;
    // pid 1 started before any file here was written: it may own one, so it is kept.
    const init = `.m.safetensors.1.0.0123abcd.tmp`;
    for (const f of [old, inFlight, init]) writeFileSync(join(d, f), 'partial');
    const hourAgo = (performance.timeOrigin - 3600_000) / 1000;
    utimesSync(join(d, old), hourAgo, hourAgo);
    save(path, { w: tensor([1]) });
    expect(readdirSync(d).sort()).toEqual([inFlight, init, 'm.safetensors'].sort());
  });

  it('a disposed tensor is named before any file is made', () => {
    const d = dir();
    const gone = tensor([4, 5]);
    gone.dispose();
    expect(() => save(join(d, 'm.safetensors'), { a: tensor([9]), z: gone })).toThrow("saveSafetensors: 'z' (float32[2]) was disposed and cannot be saved");
    expect(readdirSync(d)).toEqual([]);
  });

  it('a failure while writing removes the temporary file and leaves the previous file intact', () => {
    const d = dir();
    const path = join(d, 'm.safetensors');
    save(path, { w: tensor([1, 2, 3]) });
    function* failing(): Generator<Uint8Array> {
      yield new Uint8Array(64);
      throw Object.assign(new Error('disk gone'), { code: 'EIO' });
    }
    expect(() => writeFileAtomic('saveSafetensors', path, failing())).toThrow(`saveSafetensors: cannot save to ${path}: disk gone (EIO)`);
    expect(readdirSync(d)).toEqual(['m.safetensors']);
    expect(load(path).tensors.w.toArray()).toEqual([1, 2, 3]);
  });
});

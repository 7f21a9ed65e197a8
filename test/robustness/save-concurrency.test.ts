/**
 * Atomic saves under concurrency and kills. Two worker threads saving to one
 * path while a third loads it: every load sees one whole file (0 torn loads), no
 * save fails. Twenty processes killed with SIGKILL in the middle of a save leave
 * their temporary files behind (nothing can remove them then), the previous file
 * stays intact, and the next save of that target removes all twenty.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { load, save, tensor } from '../../src/index';
import { safetensorsBundle } from './child';

const SAVES_PER_WRITER = 40;
const ELEMENTS = 4096;

/** Writers save [ELEMENTS] tensors filled with one value, named in the metadata; the reader checks each load against it. */
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
const { saveSafetensors, loadSafetensors, Tensor } = require(workerData.bundle);
const { path, role, id, saves, elements } = workerData;
if (role === 'writer') {
  let failed = 0;
  for (let i = 0; i < saves; i++) {
    const value = id * 1000 + i;
    try { saveSafetensors(path, { w: Tensor.fromData(new Float32Array(elements).fill(value), [elements], 'float32') }, { value: String(value) }); }
    catch (e) { failed++; }
  }
  parentPort.postMessage({ failed });
} else {
  const stop = new Int32Array(workerData.stop);
  let loads = 0, torn = 0;
  const errors = [];
  while (Atomics.load(stop, 0) === 0 || loads < 50) {
    loads++;
    try {
      const { tensors, metadata } = loadSafetensors(path);
      const v = tensors.w.values, want = Number(metadata.value);
      if (v.length !== elements || v.some((x) => x !== want)) { torn++; errors.push('mixed contents for ' + want); }
    } catch (e) { torn++; errors.push(e.message); }
  }
  parentPort.postMessage({ loads, torn, errors: errors.slice(0, 3) });
}`;

function run(workerData: Record<string, unknown>): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { eval: true, workerData });
    w.once('message', resolve);
    w.once('error', reject);
  });
}

describe('concurrent saves to one path', () => {
  it('two writer threads and a reader thread: 0 torn loads, 0 failed saves, no temporary file left', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-race-'));
    const path = join(dir, 'shared.safetensors');
    save(path, { w: tensor(new Array(ELEMENTS).fill(-1)) }, { value: '-1' });
    const bundle = safetensorsBundle();
    const stop = new SharedArrayBuffer(4);
    const common = { bundle, path, saves: SAVES_PER_WRITER, elements: ELEMENTS };
    const reader = run({ ...common, role: 'reader', stop });
    const writers = await Promise.all([run({ ...common, role: 'writer', id: 1 }), run({ ...common, role: 'writer', id: 2 })]);
    Atomics.store(new Int32Array(stop), 0, 1);
    const read = await reader;
    console.log(`save race: ${2 * SAVES_PER_WRITER} saves by 2 threads (${writers.map((w) => w.failed).join(' + ')} failed), ${String(read.loads)} loads by a third, ${String(read.torn)} torn`);
    expect(writers.map((w) => w.failed)).toEqual([0, 0]);
    expect(read.errors).toEqual([]);
    expect(read.torn).toBe(0);
    expect(readdirSync(dir)).toEqual(['shared.safetensors']);
  });
});

describe('kill -9 in the middle of saves', () => {
  it('20 killed saves leave 20 temporary files and the old file intact; the next save removes them all', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lattice-kill-'));
    const path = join(dir, 'ckpt.safetensors');
    save(path, { w: tensor([1, 2, 3]) }, { epoch: '1' });
    // Each child writes part of a file into its temporary file, says so, then waits to be killed.
    const child = `
const { writeFileAtomic } = require(${JSON.stringify(safetensorsBundle())});
const { writeSync } = require('node:fs');
writeFileAtomic('saveSafetensors', ${JSON.stringify(path)}, (function* () {
  yield new Uint8Array(1 << 16).fill(7);
  writeSync(1, 'mid-save\\n');
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
})());`;
    const kills = 20;
    const children = Array.from({ length: kills }, () => spawn(process.execPath, ['-e', child], { stdio: ['ignore', 'pipe', 'inherit'] }));
    await Promise.all(children.map((c) => new Promise<void>((resolve) => {
      c.stdout!.on('data', (d: Buffer) => { if (d.toString().includes('mid-save')) resolve(); });
    })));
    const signals = await Promise.all(children.map((c) => new Promise<string | null>((resolve) => {
      c.once('exit', (_code, signal) => resolve(signal));
      c.kill('SIGKILL');
    })));
    expect(signals).toEqual(new Array(kills).fill('SIGKILL'));
    const orphans = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
    expect(orphans.length).toBe(kills);
    expect(load(path).tensors.w.toArray()).toEqual([1, 2, 3]);
    save(path, { w: tensor([4, 5]) }, { epoch: '2' });
    const left = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
    console.log(`kill -9: ${kills} saves killed mid-write, ${orphans.length} temporary files before the next save, ${left.length} after`);
    // Every dead writer's file is gone. (A killed child's pid taken at once by a new process, within
    // the 250 ms the start-time check allows, would keep its file until a later save: a live pid that
    // may own it.)
    const alive = (pid: number): boolean => { try { process.kill(pid, 0); return true; } catch { return false; } };
    expect(left.filter((f) => !alive(Number(f.split('.')[3])))).toEqual([]);
    expect(load(path).metadata.epoch).toBe('2');
  });
});

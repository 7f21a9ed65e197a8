/**
 * Runs a script in a child Node process, so that a case which used to kill the
 * process (an abort, a V8 heap OOM, a blocking read) can show it now ends with a
 * JS error: the test checks the exit (a code, never a signal) and the output.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface ChildResult { status: number | null; signal: string | null; stdout: string; stderr: string }

/** The repository root, for scripts that import src/ through tsx. */
export const ROOT = resolve(__dirname, '../..');

/**
 * Runs `source` (CommonJS with .cjs, TypeScript through tsx with .ts) in a fresh node.
 * `limitKb` caps the child's address space (ulimit -v) where the platform has sh and ulimit.
 */
export function runChild(source: string, opts: { ext?: 'cjs' | 'ts'; limitKb?: number; timeoutMs?: number; heapMb?: number } = {}): ChildResult {
  const dir = mkdtempSync(join(tmpdir(), 'lattice-child-'));
  const file = join(dir, `case.${opts.ext ?? 'cjs'}`);
  writeFileSync(file, source);
  const nodeArgs = [...(opts.heapMb ? [`--max-old-space-size=${opts.heapMb}`] : []), ...(opts.ext === 'ts' ? ['--import', 'tsx'] : []), file];
  const quoted = nodeArgs.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = opts.limitKb
    ? spawnSync('sh', ['-c', `ulimit -v ${opts.limitKb} && exec '${process.execPath}' ${quoted}`], { cwd: ROOT, encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000 })
    : spawnSync(process.execPath, nodeArgs, { cwd: ROOT, encoding: 'utf8', timeout: opts.timeoutMs ?? 60_000 });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

let bundled: string | null = null;

/**
 * src/train/safetensors.ts and atomic-write.ts bundled once to CommonJS, for children and
 * workers that must start in tens of milliseconds (20 kill -9 runs, worker threads).
 */
export function safetensorsBundle(): string {
  if (bundled) return bundled;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  const dir = mkdtempSync(join(tmpdir(), 'lattice-bundle-'));
  const entry = join(dir, 'entry.ts');
  writeFileSync(entry, `export * from ${JSON.stringify(join(ROOT, 'src/train/safetensors'))};\nexport * from ${JSON.stringify(join(ROOT, 'src/train/atomic-write'))};\nexport { Tensor } from ${JSON.stringify(join(ROOT, 'src/tensor/tensor'))};\n`);
  const out = join(dir, 'safetensors.cjs');
  esbuild.buildSync({ entryPoints: [entry], bundle: true, platform: 'node', format: 'cjs', outfile: out, logLevel: 'error' });
  bundled = out;
  return out;
}

/**
 * Lattice's bench scripts run as plain JavaScript bundled over the built library (dist/), as a
 * user's program would: under the tsx loader they paid its per-call overhead, and ~130 MB of RSS
 * that W10's peak memory would have counted as Lattice's.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSync } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function newestMtime(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Bundles `entry` (a .ts file in bench/lattice/) to bench/lattice/.<name>.build.mjs (git-ignored;
 * beside it, so the library finds its package root and addon), building dist/ first when it is
 * older than src/. Returns the bundle's path.
 * @example `spawnSync(process.execPath, [bundleLatticeScript(join(here, 'lattice', 'memory.ts'))])`
 */
export function bundleLatticeScript(entry: string, log: (s: string) => void = () => {}): string {
  const dist = join(root, 'dist', 'index.js');
  if (!existsSync(dist) || statSync(dist).mtimeMs < newestMtime(join(root, 'src'))) {
    log('building dist/ (npm run build:ts)');
    spawnSync('npm', ['run', 'build:ts'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const outfile = join(dirname(entry), `.${basename(entry, '.ts')}.build.mjs`);
  buildSync({
    entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node18',
    external: ['vega', 'vega-lite', 'node-gyp-build', 'cli-progress', 'commander'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
    logLevel: 'error',
  });
  return outfile;
}

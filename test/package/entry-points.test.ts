// The published entry points: the ESM and CommonJS bundles in dist/ (built by
// `npm install`'s prepare step and by CI), their typings, and the backend warning.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const dist = join(root, 'dist');

describe('package entry points', () => {
  it('dist has ESM, CommonJS and type declarations, with the Tensor methods typed', () => {
    for (const f of ['index.js', 'index.cjs', 'index.d.ts', 'index.d.cts', 'cli.js']) expect(existsSync(join(dist, f)), f).toBe(true);
    const dts = readFileSync(join(dist, 'index.d.ts'), 'utf8');
    expect(dts).toMatch(/backward\(gradient\?/);
    expect(dts).not.toMatch(/declare module '\.\.\/tensor\/tensor'/);
  });

  it('loads with require() and with import, and computes on the native backend', () => {
    const cjs = execFileSync(process.execPath, ['-e', "const L = require('./dist/index.cjs'); console.log(L.tensor([1, 2]).add(1).sum().item(), L.backendInfo().backend)"], { cwd: root, encoding: 'utf8' });
    expect(cjs.trim()).toBe('5 native');
    const esm = execFileSync(process.execPath, ['--input-type=module', '-e', "import * as L from './dist/index.js'; console.log(L.nn.Linear.name, typeof L.train.fit)"], { cwd: root, encoding: 'utf8' });
    expect(esm.trim()).toBe('Linear function');
  });

  it('LATTICE_BACKEND=reference runs pure TypeScript with one clear warning', () => {
    const r = spawnSync(process.execPath, ['-e', "const L = require('./dist/index.cjs'); L.tensor([1]).add(1); L.tensor([2]).mul(2); console.log(L.backendInfo().backend)"], {
      cwd: root, encoding: 'utf8', env: { ...process.env, LATTICE_BACKEND: 'reference', LATTICE_REQUIRE_NATIVE: '' },
    });
    expect(r.stdout.trim()).toBe('reference');
    const warnings = r.stderr.split('\n').filter((l) => l.includes('lattice:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/reference \(pure TypeScript\) backend because LATTICE_BACKEND=reference/);
  });

  it('without a built addon: falls back with one warning, or fails with LATTICE_REQUIRE_NATIVE=1 naming what failed', () => {
    // A copy of the package with no build/ and no prebuilds/, as on a machine without a compiler.
    const pkg = mkdtempSync(join(tmpdir(), 'lattice-noaddon-'));
    cpSync(dist, join(pkg, 'dist'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'lattice-ml', version: '0.0.0' }));
    symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'), 'dir');
    const script = "const L = require('./dist/index.cjs'); console.log(L.tensor([1, 2]).mul(3).sum().item(), L.backendInfo().backend)";
    const env = { ...process.env, LATTICE_BACKEND: '', LATTICE_REQUIRE_NATIVE: '' };
    const fallback = spawnSync(process.execPath, ['-e', script], { cwd: pkg, encoding: 'utf8', env });
    expect(fallback.stdout.trim()).toBe('9 reference');
    const warnings = fallback.stderr.split('\n').filter((l) => l.includes('lattice:'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/native addon did not load \(.*\); falling back to the reference/);
    const strict = spawnSync(process.execPath, ['-e', script], { cwd: pkg, encoding: 'utf8', env: { ...env, LATTICE_REQUIRE_NATIVE: '1' } });
    expect(strict.status).not.toBe(0);
    expect(strict.stderr).toMatch(/BackendError: lattice: the native addon did not load \(.+\); To get the addon: reinstall lattice-ml/);
    // The hint must name commands that exist where the user is: npm rebuild in a project, build:native in a clone.
    expect(strict.stderr).toContain('LATTICE_BUILD_FROM_SOURCE=1 npm rebuild lattice-ml --foreground-scripts');
  });
});

// The package as a user installs it. SLOW (about 30-60 s, most of it npm) and it needs the npm
// registry (or npm's cache) for the dependencies:
// 1. `npm pack` the working tree, after `node scripts/prebuild.cjs` (incremental; the first run in a
//    fresh clone compiles the prebuilt addon, a few minutes);
// 2. install the tarball into a fresh `npm init -y` project with a PATH that holds only node, npm
//    and sh: no cmake, c++, g++, make; the native backend must load from prebuilds/ with no compile;
// 3. run every ```js block of README.md there, verbatim (a block with require() as index.js of
//    the default CommonJS project, the others as index.mjs); only a block marked
//    `<!-- not run: <why> -->` on the line above is left out.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'lattice-package-'));
const project = join(work, 'app');
const bin = join(work, 'bin');

/** A PATH with node, npm, npx and sh only, so that a compile attempt would fail. */
function compilerFreePath(): string {
  mkdirSync(bin);
  for (const tool of ['node', 'npm', 'npx', 'sh']) {
    const found = (process.env.PATH ?? '').split(delimiter).map((d) => join(d, tool)).find((p) => existsSync(p));
    if (!found) throw new Error(`${tool} is not on PATH`);
    symlinkSync(found, join(bin, tool));
  }
  return bin;
}

/**
 * The ```js blocks of the README, in order. A block that cannot run in a plain Node project (say,
 * Electron's main process) is preceded by a line `<!-- not run: <why> -->` and left out here.
 */
function readmeJsBlocks(markdown: string): string[] {
  return [...markdown.matchAll(/^(<!-- not run: .+ -->\n)?```js\n([\s\S]*?)^```$/gm)].filter((m) => !m[1]).map((m) => m[2]);
}

let env: NodeJS.ProcessEnv;
let installLog = '';

beforeAll(() => {
  execFileSync(process.execPath, [join(root, 'scripts', 'prebuild.cjs')], { cwd: root, stdio: 'pipe' });
  // --ignore-scripts: the prepack step (the prebuild) just ran; prepare (tsup) is what `npm run
  // build:ts` already made in dist/, which entry-points.test.ts checks.
  const packed = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8' });
  const [info] = JSON.parse(packed) as { filename: string; files: { path: string }[]; size: number }[];
  writeFileSync(join(work, 'pack.json'), JSON.stringify(info, null, 1));
  mkdirSync(project);
  env = {
    ...process.env, PATH: compilerFreePath(), LATTICE_BACKEND: '', LATTICE_REQUIRE_NATIVE: '', LATTICE_NUM_THREADS: '1',
    npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_prefer_offline: 'true',
  };
  execFileSync('npm', ['init', '-y'], { cwd: project, env, stdio: 'pipe' });
  const install = spawnSync('npm', ['install', '--foreground-scripts', join(work, info.filename)], { cwd: project, env, encoding: 'utf8' });
  installLog = `${install.stdout}\n${install.stderr}`;
  writeFileSync(join(work, 'install.log'), installLog);
  if (install.status !== 0) throw new Error(`npm install of the tarball failed:\n${installLog}`);
}, 600_000);

describe('the packed package', () => {
  it('holds the prebuilt addon, the data, the bundles, LICENSE and CHANGELOG; no tests, no source maps', () => {
    const info = JSON.parse(readFileSync(join(work, 'pack.json'), 'utf8')) as { files: { path: string }[] };
    const files = info.files.map((f) => f.path);
    for (const f of ['prebuilds/linux-x64/lattice-ml.napi.node', 'data/fashion-mnist/train-images-idx3-ubyte.gz', 'data/fashion-mnist/SHA256SUMS',
      'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/cli.js', 'scripts/install-native.cjs', 'CMakeLists.txt', 'native/addon.cc',
      'LICENSE', 'CHANGELOG.md', 'README.md', 'package.json']) expect(files, f).toContain(f);
    expect(files.filter((f) => f.endsWith('.map') || f.startsWith('test/') || f.startsWith('native/test/') || f.startsWith('src/'))).toEqual([]);
  });

  it('installs with no compiler on PATH and loads the native backend from prebuilds/', () => {
    expect(installLog).toContain('lattice: using the prebuilt native addon prebuilds/linux-x64/lattice-ml.napi.node');
    expect(installLog).not.toMatch(/building the native addon from source/);
    expect(spawnSync('sh', ['-c', 'command -v cmake || command -v c++ || command -v g++'], { env }).status).not.toBe(0);
    const out = execFileSync('node', ['-e', "console.log(JSON.stringify(require('lattice-ml').backendInfo()))"], { cwd: project, env, encoding: 'utf8' });
    const info = JSON.parse(out) as { backend: string; addonPath: string; blas: string };
    expect(info.backend).toBe('native');
    expect(info.addonPath).toBe(join(project, 'node_modules', 'lattice-ml', 'prebuilds', 'linux-x64', 'lattice-ml.napi.node'));
    expect(info.blas).toBe('none');
    expect(existsSync(join(project, 'node_modules', 'lattice-ml', 'build'))).toBe(false);
  });

  it('runs every js block of the README verbatim in the default npm init -y project', () => {
    const blocks = readmeJsBlocks(readFileSync(join(root, 'README.md'), 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(2);
    expect(blocks.some((b) => b.includes("require('lattice-ml')"))).toBe(true);
    expect(blocks.some((b) => b.includes("from 'lattice-ml'"))).toBe(true);
    expect(JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')).type ?? 'commonjs').toBe('commonjs');
    blocks.forEach((block, i) => {
      const file = block.includes('require(') ? 'index.js' : 'index.mjs';
      writeFileSync(join(project, file), block);
      const run = spawnSync('node', [file], { cwd: project, env, encoding: 'utf8', timeout: 240_000 });
      writeFileSync(join(work, `block${i}.log`), `${run.stdout}\n${run.stderr}`);
      expect(run.status, `README js block ${i + 1} (${file}) failed:\n${run.stdout}\n${run.stderr}`).toBe(0);
      expect(run.stderr, `block ${i + 1} warned about the backend`).not.toMatch(/LATTICE_BACKEND|falling back/);
      if (block.includes('loadFashionMnist')) expect(run.stdout).toMatch(/test accuracy \d+\.\d%/);
    });
  }, 600_000);

  it('`npx lattice --help` runs from the installed package', () => {
    const help = execFileSync('npx', ['lattice', '--help'], { cwd: project, env, encoding: 'utf8' });
    expect(help).toMatch(/Usage: lattice/);
    expect(help).toMatch(/train/);
    expect(readdirSync(project)).not.toContain('runs');
  });
});

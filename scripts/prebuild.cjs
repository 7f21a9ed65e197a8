// Builds the prebuilt addon that the published package carries, under prebuildify's
// naming: prebuilds/<platform>-<arch>/lattice-ml.napi.node, which node-gyp-build finds
// in an installed package (where there is no build/Release). One build description
// (CMakeLists.txt) serves both this and a source build.
//
// Run by `npm pack` / `npm publish` (the prepack script) and by `npm run build:prebuilt`;
// .github/workflows/prebuild.yml runs the same script on the other platforms.
// - cmake-js builds into build-prebuilt/ with LATTICE_BLAS=OFF: a prebuilt addon must not
//   link a system BLAS (the user's machine may not have it); on Linux ldd checks that.
//   The build is incremental, so a second pack recompiles nothing.
// - Never -march=native (CMakeLists.txt): every ISA's kernels are in the one file and
//   chosen at load time; the check below loads the file and prints what it detected.
// LATTICE_PREBUILD_SKIP_COMPILE=1 packs an existing build-prebuilt/ without running cmake-js.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const outDir = 'build-prebuilt';
const built = path.join(root, outDir, 'Release', 'lattice.node');
const fail = (message) => {
  console.error(`prebuild: ${message}`);
  process.exit(1);
};

if (process.env.LATTICE_PREBUILD_SKIP_COMPILE !== '1') {
  const cmakeJs = path.join(path.dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
  console.log(`prebuild: cmake-js configure + build --out ${outDir} --CDLATTICE_BLAS=OFF (incremental)`);
  const options = ['--out', outDir, '--CDLATTICE_BLAS=OFF'];
  // configure every time (a few seconds), so that these options apply to an existing build folder; build is incremental.
  for (const command of ['configure', 'build']) {
    const result = spawnSync(process.execPath, [cmakeJs, command, ...options], { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) fail(`cmake-js ${command} exited with ${result.status}; a prebuild needs cmake and a C++17 compiler`);
  }
}
if (!fs.existsSync(built)) fail(`${built} does not exist`);

if (process.platform === 'linux') {
  const ldd = spawnSync('ldd', [built], { encoding: 'utf8' });
  const linked = (ldd.stdout || '').split('\n').filter((l) => /blas|lapack/i.test(l));
  if (linked.length) fail(`${built} links a system BLAS, which a prebuilt addon must not:\n${linked.join('\n')}`);
  // The oldest glibc / libstdc++ the file runs on is the newest symbol version it needs. (Linking
  // libstdc++ statically was tried: it pulls in glibc 2.36 symbols, which rules out more systems.)
  const symbols = spawnSync('objdump', ['-T', built], { encoding: 'utf8' }).stdout || '';
  const newest = (prefix) => [...new Set(symbols.match(new RegExp(`${prefix}_[0-9.]+`, 'g')) || [])]
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).pop() || 'unknown (no objdump)';
  console.log(`prebuild: needs ${newest('GLIBC')} and ${newest('GLIBCXX')} (libstdc++) on the user's machine`);
}

// Load it before shipping it: a file that does not load here would ship a silent fallback.
let info;
try {
  info = require(built).info();
} catch (e) {
  fail(`${built} does not load: ${e.message}`);
}
if (info.blas !== 'none') fail(`${built} reports BLAS '${info.blas}'; a prebuilt addon must use the built-in GEMM only`);

const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
fs.mkdirSync(dir, { recursive: true });
const target = path.join(dir, 'lattice-ml.napi.node');
fs.copyFileSync(built, target);
const kib = (fs.statSync(target).size / 1024).toFixed(0);
console.log(`prebuild: wrote ${path.relative(root, target)} (${kib} KiB; loads here with ISA ${info.isa}, best ${info.bestIsa}, BLAS ${info.blas})`);

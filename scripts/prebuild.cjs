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
  console.log(`prebuild: cmake-js compile --out ${outDir} --CDLATTICE_BLAS=OFF (incremental)`);
  const result = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', outDir, '--CDLATTICE_BLAS=OFF'], { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) fail(`cmake-js exited with ${result.status}; a prebuild needs cmake and a C++17 compiler`);
}
if (!fs.existsSync(built)) fail(`${built} does not exist`);

if (process.platform === 'linux') {
  const ldd = spawnSync('ldd', [built], { encoding: 'utf8' });
  const linked = (ldd.stdout || '').split('\n').filter((l) => /blas|lapack/i.test(l));
  if (linked.length) fail(`${built} links a system BLAS, which a prebuilt addon must not:\n${linked.join('\n')}`);
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

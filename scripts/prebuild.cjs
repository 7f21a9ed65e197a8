// Places the cmake-js build under prebuildify's naming, prebuilds/<platform>-<arch>/lattice-ml.napi.node,
// so node-gyp-build finds it before build/Release in a published package. One build
// description (CMakeLists.txt) serves both. `npm run build:prebuilt` builds it into
// build-prebuilt/ with LATTICE_BLAS=OFF first: a prebuilt addon must not link a system
// BLAS (the user's machine may not have it), which this script checks with ldd.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const built = path.join(root, 'build-prebuilt', 'Release', 'lattice.node');
if (!fs.existsSync(built)) {
  console.error(`prebuild: ${built} does not exist; run \`npm run build:prebuilt\``);
  process.exit(1);
}
if (process.platform === 'linux') {
  const ldd = require('node:child_process').spawnSync('ldd', [built], { encoding: 'utf8' });
  const linked = (ldd.stdout || '').split('\n').filter((l) => /blas|lapack/i.test(l));
  if (linked.length) {
    console.error(`prebuild: ${built} links a system BLAS, which a prebuilt addon must not:\n${linked.join('\n')}`);
    process.exit(1);
  }
}
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
fs.mkdirSync(dir, { recursive: true });
const target = path.join(dir, 'lattice-ml.napi.node');
fs.copyFileSync(built, target);
console.log(`prebuild: wrote ${path.relative(root, target)}`);

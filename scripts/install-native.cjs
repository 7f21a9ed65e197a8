// npm install hook: use a prebuilt or already-built addon if one loads, else
// compile with cmake-js. Never fails the install: without a compiler the
// library runs on the reference backend and says so once at first use.
'use strict';
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');

function addonLoads() {
  try {
    const nodeGypBuild = require('node-gyp-build');
    require(nodeGypBuild.path(root));
    return true;
  } catch {
    return false;
  }
}

if (process.env.LATTICE_SKIP_NATIVE_BUILD === '1') {
  console.log('lattice: LATTICE_SKIP_NATIVE_BUILD=1, not building the native addon');
} else if (addonLoads()) {
  console.log('lattice: native addon found');
} else {
  const cmakeJs = path.join(path.dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
  const result = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', 'build'], { cwd: root, stdio: 'inherit' });
  if (result.status === 0 && addonLoads()) {
    console.log('lattice: native addon built');
  } else {
    console.warn('lattice: could not build the native addon (needs cmake and a C++17 compiler); ' +
      'the library will run on the slower reference backend. Run `npm run build:native` to retry.');
  }
}

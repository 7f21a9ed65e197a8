// npm install hook. The package ships a prebuilt addon for linux-x64
// (prebuilds/<platform>-<arch>/lattice-ml.napi.node): when it loads, nothing is
// compiled and nothing is downloaded. Otherwise, or when a source build is asked
// for, it compiles with cmake-js (needs cmake and a C++17 compiler) and prints
// progress lines. An automatic build that fails never fails the install: the
// library then runs on the reference backend and says so once at first use. A
// source build that was asked for and fails does fail, so the request is not lost.
//
// Ask for a source build with `LATTICE_BUILD_FROM_SOURCE=1 npm rebuild lattice-ml
// --foreground-scripts`. `npm rebuild lattice-ml --build-from-source` works too (npm
// passes it as npm_config_build_from_source), but npm 11 warns that it will stop passing
// unknown flags in its next major version. npm shows an install script's output only
// with --foreground-scripts.
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const say = (line) => console.log(`lattice: ${line}`);

/** The path node-gyp-build picks (build/Release, then prebuilds/), if that file loads here. */
function loadableAddon() {
  try {
    const nodeGypBuild = require('node-gyp-build');
    const file = nodeGypBuild.path(root);
    require(file);
    return file;
  } catch {
    return null;
  }
}

function countSources() {
  let n = 0;
  const walk = (dir) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory() && entry.name !== 'test') walk(path.join(dir, entry.name));
      else if (entry.name.endsWith('.cc')) n++;
    }
  };
  walk(path.join(root, 'native'));
  return n;
}

function buildFromSource() {
  const cmakeJs = path.join(path.dirname(require.resolve('cmake-js/package.json')), 'bin', 'cmake-js');
  say(`building the native addon from source: ${countSources()} C++ files with cmake-js into build/ ` +
    '(a few minutes on 2 cores; needs cmake and a C++17 compiler)');
  const started = Date.now();
  // cmake prints one line per compiled file ([n/N] or [ p%]), which is the progress report.
  const result = spawnSync(process.execPath, [cmakeJs, 'compile', '--out', 'build'], { cwd: root, stdio: 'inherit' });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const file = result.status === 0 ? loadableAddon() : null;
  if (file) say(`native addon built in ${seconds} s: ${path.relative(root, file)}`);
  return file;
}

const fromSource = process.env.LATTICE_BUILD_FROM_SOURCE === '1' || process.env.npm_config_build_from_source === 'true';

if (process.env.LATTICE_SKIP_NATIVE_BUILD === '1') {
  say('LATTICE_SKIP_NATIVE_BUILD=1, not building the native addon');
} else if (fromSource) {
  if (!buildFromSource()) {
    console.error('lattice: the source build that was asked for failed (see the compiler output above); ' +
      'it needs cmake (3.15 or newer) and a C++17 compiler on PATH');
    process.exit(1);
  }
} else {
  const found = loadableAddon();
  if (found) {
    say(`using the ${found.includes(`${path.sep}prebuilds${path.sep}`) ? 'prebuilt' : 'already built'} native addon ${path.relative(root, found)}`);
  } else {
    say(`no prebuilt addon for ${process.platform}-${process.arch} loads here`);
    if (!buildFromSource()) {
      console.warn('lattice: could not build the native addon (needs cmake and a C++17 compiler); ' +
        'the library will run on the slower reference backend. Retry once they are installed with ' +
        '`LATTICE_BUILD_FROM_SOURCE=1 npm rebuild lattice-ml --foreground-scripts`.');
    }
  }
}

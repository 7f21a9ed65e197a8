// Places the cmake-js build under prebuildify's naming, prebuilds/<platform>-<arch>/lattice-ml.napi.node,
// so node-gyp-build finds it before build/Release in a published package. One build
// description (CMakeLists.txt) serves both; run `npm run build:native` first.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const built = path.join(root, 'build', 'Release', 'lattice.node');
if (!fs.existsSync(built)) {
  console.error(`prebuild: ${built} does not exist; run \`npm run build:native\` first`);
  process.exit(1);
}
const dir = path.join(root, 'prebuilds', `${process.platform}-${process.arch}`);
fs.mkdirSync(dir, { recursive: true });
const target = path.join(dir, 'lattice-ml.napi.node');
fs.copyFileSync(built, target);
console.log(`prebuild: wrote ${path.relative(root, target)}`);

/**
 * Finds and loads the addon: build/Release first (a source build), then
 * prebuilds/<platform>-<arch>/ (the package's prebuilt one): node-gyp-build's
 * order. Returns the error instead of throwing so the caller can fall back to
 * the reference backend.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { NativeBinding } from './binding';

/** The package root: the nearest folder above this file whose package.json is lattice-ml's. */
export function packageRoot(): string {
  let dir = dirname(thisFile());
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if (JSON.parse(readFileSync(pkg, 'utf8')).name === 'lattice-ml') return dir;
      } catch {
        // an unreadable package.json is not ours; keep walking up
      }
    }
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the lattice-ml package root above ' + thisFile());
    dir = up;
  }
}

function thisFile(): string {
  // ESM has import.meta.url; the CommonJS bundle has __filename.
  return typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
}

export interface LoadResult {
  addon: NativeBinding | null;
  path: string | null;
  error: string | null;
}

export function loadAddon(): LoadResult {
  try {
    const root = packageRoot();
    const require = createRequire(join(root, 'package.json'));
    const nodeGypBuild = require('node-gyp-build') as { (dir: string): unknown; path(dir: string): string };
    const path = nodeGypBuild.path(root);
    return { addon: require(path) as NativeBinding, path, error: null };
  } catch (e) {
    // One line: node-gyp-build's message spans several.
    const message = e instanceof Error ? e.message : String(e);
    return { addon: null, path: null, error: message.replace(/\s*\n\s*/g, ' ').trim() };
  }
}

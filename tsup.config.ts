import { defineConfig } from 'tsup';

// One bundle per module system; the addon stays outside (loaded at run time from the package root).
export default defineConfig({
  entry: { index: 'src/index.ts', cli: 'src/cli/main.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  sourcemap: true,
  clean: true,
  target: 'node18',
  shims: true,
});

// The bench measures the published bundle (dist/, built by `npm run build:ts`),
// not the TypeScript sources through a loader, which adds per-call overhead.
export * from '../../dist/index.js';

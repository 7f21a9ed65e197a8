// The workloads' ids in tables (docs/bench-workloads.md): bench/lib/report.ts labels rows with them,
// scripts/readme-figures.mjs names a partial run's workloads with them.
export const WORKLOAD_IDS = {
  gemm: 'W1', mlp: 'W2', cnn: 'W3', deep: 'W4', ctc: 'W5', conv: 'W6', adam: 'W7', norms: 'W8', overhead: 'W9', resnet18: 'W11', convlayers: 'W12',
};

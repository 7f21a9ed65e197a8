/**
 * The CUDA parity suite without vitest (a GPU machine may have Node and nothing else):
 * runs every case of test/cuda/cases.ts on cpu and cuda, then the float64 gradcheck through
 * device ops, and prints backendInfo(), cudaInfo(), the pass counts and the worst error per
 * family. Exit status 1 when a case fails, 2 when CUDA is not available. `--emulate` runs it
 * against the host emulation of the bindings (test/cuda/emulator.ts): a check of this script
 * on a machine without a GPU, which says nothing about the CUDA kernels.
 * Run: `npx tsx scripts/cuda-parity.ts [--json out.json] [--emulate]` (scripts/cuda-check.sh bundles it).
 */
import { writeFileSync } from 'node:fs';
import { useCudaBinding } from '../src/backend/cuda/index';
import { backendInfo, cudaInfo, cudaMemory, memory } from '../src/index';
import { CASES, type Family, deviceGradcheck, worstError } from '../test/cuda/cases';
import { emulatedCuda } from '../test/cuda/emulator';

if (process.argv.includes('--emulate')) useCudaBinding(emulatedCuda());

const info = cudaInfo();
console.log('backendInfo():', JSON.stringify(backendInfo()));
console.log('cudaInfo():', JSON.stringify(info));
if (!info.available) {
  console.log(`CUDA is not available (${info.reason}): no parity run`);
  process.exit(2);
}

interface Row { cases: number; passed: number; worst: number; tol: number; worstCase: string; ms: number }
const rows = new Map<Family, Row>();
const failures: string[] = [];
for (const c of CASES) {
  const t0 = performance.now();
  let err: number;
  try {
    const cpu = c.run('cpu'), dev = c.run('cuda');
    err = cpu.length === dev.length ? Math.max(0, ...cpu.map((a, i) => worstError(a, dev[i]))) : Infinity;
  } catch (e) {
    err = Infinity;
    failures.push(`${c.family}: ${c.name}: threw ${(e as Error).message}`);
  }
  const row = rows.get(c.family) ?? { cases: 0, passed: 0, worst: 0, tol: c.tol, worstCase: '', ms: 0 };
  row.cases++;
  row.ms += performance.now() - t0;
  if (err <= c.tol) row.passed++;
  else if (Number.isFinite(err)) failures.push(`${c.family}: ${c.name}: worst error ${err.toExponential(2)} > ${c.tol}`);
  if (err >= row.worst) { row.worst = err; row.worstCase = c.name; }
  rows.set(c.family, row);
}
let gradcheckOk = false;
try {
  gradcheckOk = deviceGradcheck();
} catch (e) {
  failures.push(`gradcheck through device ops threw ${(e as Error).message}`);
}
if (!gradcheckOk) failures.push('gradcheck (float64) through device ops failed');

const table = [...rows.entries()].map(([family, r]) => ({
  family, cases: r.cases, passed: r.passed, worst: r.worst.toExponential(2), tolerance: r.tol, 'worst case': r.worstCase, ms: Math.round(r.ms),
}));
console.log(`\nCUDA parity on ${info.name} (compute capability ${info.capability}), cpu backend ${backendInfo().backend}/${backendInfo().isa}:`);
console.table(table);
const total = [...rows.values()].reduce((n, r) => n + r.cases, 0), passed = [...rows.values()].reduce((n, r) => n + r.passed, 0);
console.log(`${passed}/${total} cases within tolerance; gradcheck float64 through device ops: ${gradcheckOk ? 'passed' : 'FAILED'}`);
console.log('memory():', JSON.stringify(memory()), 'cudaMemory():', JSON.stringify(cudaMemory()));
for (const f of failures) console.log('FAIL', f);
const jsonAt = process.argv.indexOf('--json');
if (jsonAt > 0) writeFileSync(process.argv[jsonAt + 1], JSON.stringify({ device: info, backend: backendInfo(), table, gradcheckOk, failures }, null, 2));
process.exit(failures.length ? 1 : 0);

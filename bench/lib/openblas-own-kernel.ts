/**
 * For scripts that time the linked OpenBLAS: OpenBLAS reads OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE
 * once, when it loads, and this machine's image sets OPENBLAS_CORETYPE=Haswell (an AVX2 kernel on
 * an AVX-512 CPU). A user's machine lets OpenBLAS pick its kernel for the CPU, so the script is
 * re-run, before anything loads OpenBLAS, in a child without them; in that child this returns.
 *
 *   await runWithOpenBlasOwnKernel(import.meta.url);  // first, before importing Lattice
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CHILD = 'LATTICE_OPENBLAS_OWN_KERNEL_CHILD';

export function runWithOpenBlasOwnKernel(scriptUrl: string): void {
  if (process.env[CHILD]) return;
  const env: NodeJS.ProcessEnv = { ...process.env, [CHILD]: '1' };
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  const r = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(scriptUrl), ...process.argv.slice(2)], { env, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

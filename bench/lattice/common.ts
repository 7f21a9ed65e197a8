/**
 * Shared by the Lattice side of the bench: timing with warm-up and the same
 * result objects as the peers (bench/lib/stats.mjs), printed as one JSON object.
 */
import { performance } from 'node:perf_hooks';
import { backendInfo, setNumThreads } from './lattice';
// @ts-expect-error plain ESM helper shared with the JS peers
import { timingResult, valueResult } from '../lib/stats.mjs';

export { timingResult, valueResult };

export interface Args {
  threads: number;
  reps: number;
  quick: boolean;
  rest: string[];
}

export function parseArgs(argv = process.argv.slice(2)): Args {
  const args: Args = { threads: 1, reps: 5, quick: false, rest: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--threads') args.threads = Number(argv[++i]);
    else if (a === '--reps') args.reps = Number(argv[++i]);
    else if (a === '--quick') args.quick = true;
    else args.rest.push(a);
  }
  setNumThreads(args.threads);
  return args;
}

/**
 * Per-call times of fn in ms, one per repetition, timed as bench/peers/_common.py's time_ms
 * does for the peers: warm-up for at least `warmup` calls and 50 ms, then each repetition
 * repeats a cheap fn `inner` times so that it lasts about 20 ms and reports the mean.
 */
export function time(fn: () => void, reps: number, warmup = 2, minRepMs = 20, warmupMs = 50): number[] {
  const start = performance.now();
  for (let done = 0; done < warmup || performance.now() - start < warmupMs; done++) fn();
  const t0 = performance.now();
  fn();
  const single = performance.now() - t0;
  const inner = single < minRepMs ? Math.min(100_000, Math.max(1, Math.floor(minRepMs / Math.max(single, 1e-6)))) : 1;
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t = performance.now();
    for (let k = 0; k < inner; k++) fn();
    samples.push((performance.now() - t) / inner);
  }
  return samples;
}

export function report(workload: string, args: Args, results: unknown[]): void {
  const info = backendInfo();
  const peer = info.backend === 'native' ? 'lattice' : 'lattice-reference';
  console.log(JSON.stringify({ peer, version: '0.1.0', blas: null, isa: info.isa, threads: args.threads, workload, quick: args.quick, results }));
}

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

/** Times fn (ms) after `warmup` untimed calls. */
export function time(fn: () => void, reps: number, warmup = 2): number[] {
  for (let i = 0; i < warmup; i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  return samples;
}

export function report(workload: string, args: Args, results: unknown[]): void {
  const info = backendInfo();
  const peer = info.backend === 'native' ? 'lattice' : 'lattice-reference';
  console.log(JSON.stringify({ peer, version: '0.1.0', blas: null, isa: info.isa, threads: args.threads, workload, quick: args.quick, results }));
}

/**
 * The peers of `npm run bench` as long-lived worker processes (protocol: bench/lib/worker.mjs,
 * bench/peers/worker.py), and the fair environment every one of them starts in.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, type WriteStream } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export const CACHE = process.env.LATTICE_BENCH_CACHE ?? join(homedir(), '.cache', 'lattice-bench');
export const VENV_PYTHON = join(CACHE, 'venv', 'bin', 'python');
export const DEBIAN_PYTHON = '/usr/bin/python3';
/** Debian's libjemalloc2: the "tuned malloc" runs preload it. */
export const JEMALLOC = ['/usr/lib/x86_64-linux-gnu/libjemalloc.so.2', '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2'].find(existsSync);

/** User + system clock ticks of a process and all its threads (Linux), or null elsewhere. */
function cpuTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');  // fields from 3 (state) on
    return Number(f[11]) + Number(f[12]);  // utime (14) and stime (15)
  } catch { return null; }
}

/** One peer configuration: what to start, and how it is labelled in the table. */
export interface PeerSpec {
  /** Stable id in results (e.g. `pytorch2+jemalloc`); the worker's `peer` names the version. */
  id: string;
  cmd: string;
  args: string[];
  malloc: 'default' | 'jemalloc';
  compile?: boolean;
  /** Python peers: the family a malloc pair belongs to (default vs tuned compared per family). */
  family: string;
}

/**
 * The environment every bench process gets: OpenBLAS picks its own kernel (OPENBLAS_CORETYPE and
 * OPENBLAS_L2_SIZE unset: the machine may force an AVX2 Haswell kernel), every thread pool is
 * pinned to `threads` (OpenMP, OpenBLAS, MKL, TensorFlow intra-op = N and inter-op = 1,
 * Lattice), and LD_PRELOAD is set only for the tuned-malloc runs.
 */
export function fairEnv(threads: number, malloc: 'default' | 'jemalloc'): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE', 'LD_PRELOAD', 'MALLOC_MMAP_THRESHOLD_', 'MALLOC_TRIM_THRESHOLD_']) delete env[k];
  const n = String(threads);
  Object.assign(env, {
    OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n, LATTICE_NUM_THREADS: n,
    TF_NUM_INTRAOP_THREADS: n, TF_NUM_INTEROP_THREADS: '1', TF_CPP_MIN_LOG_LEVEL: '2', PYTHONUNBUFFERED: '1',
  });
  if (malloc === 'jemalloc' && JEMALLOC) env.LD_PRELOAD = JEMALLOC;
  return env;
}

/** Whether `python` exists and imports `module`. */
export function pythonHas(python: string, module: string): boolean {
  if (python.includes('/') && !existsSync(python)) return false;
  return spawnSync(python, ['-c', `import ${module}`], { stdio: 'ignore', timeout: 120_000 }).status === 0;
}

/**
 * The peers present on this machine, for `threads`. Full: every peer, Python ones with the
 * default and the tuned malloc. Quick: tfjs-node, tfjs-wasm and the best Python peers present
 * (the venv's PyTorch 2.x and TensorFlow, else Debian's PyTorch 1.13, else numpy), tuned malloc.
 */
export function peerSpecs(threads: number, opts: { quick: boolean; compile: boolean; here: string; tfjs: boolean }): { specs: PeerSpec[]; missing: string[] } {
  const specs: PeerSpec[] = [];
  const missing: string[] = [];
  const worker = join(opts.here, 'peers', 'worker.py');
  const mallocs: ('default' | 'jemalloc')[] = opts.quick ? [JEMALLOC ? 'jemalloc' : 'default'] : JEMALLOC ? ['default', 'jemalloc'] : ['default'];
  if (!JEMALLOC) missing.push('libjemalloc2 (Debian) is not installed: the tuned-malloc rows are missing (bench/setup/python-peers.sh installs it)');
  const py = (id: string, python: string, lib: string, family: string, extra: string[] = [], only?: 'default' | 'jemalloc') => {
    for (const m of only ? [only] : mallocs) {
      specs.push({ id: m === 'jemalloc' ? `${id}+jemalloc` : id, cmd: python, args: [worker, '--lib', lib, '--threads', String(threads), ...extra], malloc: m, family, compile: extra.includes('--compile') });
    }
  };
  const venvTorch = pythonHas(VENV_PYTHON, 'torch');
  const venvTf = pythonHas(VENV_PYTHON, 'tensorflow');
  const debianTorch = pythonHas(DEBIAN_PYTHON, 'torch');
  if (venvTorch) py('pytorch2', VENV_PYTHON, 'torch', 'pytorch2');
  else missing.push(`PyTorch 2.x: no venv at ${VENV_PYTHON} with torch (bash bench/setup/python-peers.sh)`);
  if (venvTf) py('tensorflow', VENV_PYTHON, 'tensorflow', 'tensorflow');
  else missing.push(`TensorFlow: no venv at ${VENV_PYTHON} with tensorflow (bash bench/setup/python-peers.sh)`);
  if (!opts.quick || (!venvTorch && !venvTf)) {
    if (debianTorch) py('pytorch1', DEBIAN_PYTHON, 'torch', 'pytorch1');
    else missing.push('PyTorch 1.13: Debian python3-torch is not installed (apt-get install python3-torch libopenblas0-pthread)');
  }
  if (!opts.quick && venvTorch && opts.compile) py('pytorch2-compile', VENV_PYTHON, 'torch', 'pytorch2-compile', ['--compile'], mallocs[mallocs.length - 1]);
  if (!opts.quick || (!venvTorch && !venvTf && !debianTorch)) {
    const numpyPython = [VENV_PYTHON, DEBIAN_PYTHON, 'python3'].find((p) => pythonHas(p, 'numpy'));
    if (numpyPython) py('numpy', numpyPython, 'numpy', 'numpy', [], 'default');
    else missing.push('numpy: no python3 with numpy');
  }
  const tfjs = join(opts.here, 'peers', 'tfjs_worker.mjs');
  if (opts.tfjs) {
    specs.push({ id: 'tfjs-node', cmd: process.execPath, args: [tfjs, '--backend', 'node'], malloc: 'default', family: 'tfjs-node' });
    if (threads === 1) specs.push({ id: 'tfjs-wasm', cmd: process.execPath, args: [tfjs, '--backend', 'wasm'], malloc: 'default', family: 'tfjs-wasm' });
  }
  return { specs, missing };
}

type Pending = { resolve: (v: Record<string, unknown>) => void; reject: (e: Error) => void; timer: NodeJS.Timeout };

/** A running worker: one JSON request per line, one JSON answer per line, in order. */
export class Worker {
  readonly spec: PeerSpec;
  readonly threads: number;
  info: Record<string, unknown> = {};
  dead: string | null = null;
  private child: ChildProcess;
  private queue: Pending[] = [];
  private log: WriteStream;
  private tail: string[] = [];
  private first: Promise<Record<string, unknown>>;

  constructor(spec: PeerSpec, threads: number, env: NodeJS.ProcessEnv, cwd: string, logPath: string) {
    this.spec = spec;
    this.threads = threads;
    this.log = createWriteStream(logPath, { flags: 'a' });
    this.child = spawn(spec.cmd, spec.args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr!.on('data', (d: Buffer) => {
      this.log.write(d);
      this.tail = [...this.tail, ...d.toString().split('\n').filter(Boolean)].slice(-5);
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      if (!line.startsWith('{')) { this.log.write(`[stdout] ${line}\n`); return; }
      const p = this.queue.shift();
      if (!p) return;
      clearTimeout(p.timer);
      p.resolve(JSON.parse(line) as Record<string, unknown>);
    });
    this.child.on('error', (e) => this.fail(`${spec.cmd}: ${e.message}`));
    this.child.on('exit', (code, sig) => this.fail(`exited (${sig ?? code})${this.tail.length ? ': ' + this.tail.slice(-2).join(' | ') : ''}`));
    // The first line is the ready (or unavailable) answer.
    this.first = new Promise((resolve, reject) => {
      const p = this.pending(180_000);
      p.resolve = resolve;
      p.reject = reject;
      this.queue.push(p);
    });
  }

  private pending(timeoutMs: number): Pending {
    const p = {} as Pending;
    p.timer = setTimeout(() => { this.fail(`no answer in ${timeoutMs / 1000} s`); this.child.kill('SIGKILL'); }, timeoutMs);
    return p;
  }

  private fail(reason: string): void {
    if (!this.dead) this.dead = reason;
    for (const p of this.queue.splice(0)) { clearTimeout(p.timer); p.reject(new Error(reason)); }
  }

  /** Resolves with the ready answer, or rejects with why the peer is unavailable. */
  async ready(): Promise<Record<string, unknown>> {
    const answer = await this.first;
    if (!answer.ready) throw new Error(String(answer.reason ?? 'not ready'));
    this.info = answer;
    return answer;
  }

  request(req: Record<string, unknown>, timeoutMs = 300_000): Promise<Record<string, unknown>> {
    if (this.dead) return Promise.reject(new Error(this.dead));
    return new Promise((resolve, reject) => {
      const p = this.pending(timeoutMs);
      p.resolve = resolve;
      p.reject = reject;
      this.queue.push(p);
      this.child.stdin!.write(JSON.stringify(req) + '\n');
    });
  }

  /**
   * Waits until this worker's process stops using CPU after its turn: OpenBLAS's server threads
   * spin for ~125 ms after a call (a whole core at 2 threads), OpenMP's and Eigen's for less, and
   * whoever ran next was measured on one core (W1 256x256x256 2T: Lattice 0.33 ms with CPU/wall
   * 1.0 right after numpy, 0.18 ms with 1.96 after PyTorch). The peer keeps its spin within its
   * own turn; only the next participant no longer pays for it. Returns the ms waited (capped).
   */
  async settle(capMs = 1000): Promise<number> {
    const pid = this.child.pid;
    if (pid === undefined || this.dead) return 0;
    const t0 = performance.now();
    let last = cpuTicks(pid);
    while (last !== null && performance.now() - t0 < capMs) {
      await new Promise((r) => setTimeout(r, 20));
      const now = cpuTicks(pid);
      if (now === null) break;
      // clock ticks are 10 ms: at most one tick in a 20 ms window counts as idle.
      if (now - last <= 1) break;
      last = now;
    }
    return performance.now() - t0;
  }

  async quit(): Promise<void> {
    if (!this.dead) await this.request({ cmd: 'quit' }, 30_000).catch(() => undefined);
    this.child.kill();
    this.log.end();
  }
}

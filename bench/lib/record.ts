/**
 * The result record of an example or a bench whose figures the README quotes: one JSON file per
 * script, bench/results/figures/<name>.json (schema lattice-figures/1), that
 * scripts/readme-figures.mjs turns into the README's `<!-- figures:<name> -->` block. The record
 * says how the figures were made (command line, date, machine, threads, load, CPU and wall
 * seconds) beside the raw figures and the Markdown the README shows, so no figure is typed by hand.
 *
 *   const record = startRecord('drift-delay');     // first thing: load, clocks and CPU time start here
 *   ...                                            // the run, printing as it always did
 *   record.save({ rows }, markdownTable);          // writes the file and says where
 *
 * The folder sits beside the bench's own results (bench/results), the one place in the repository
 * for committed measurements; a subfolder keeps the README's records apart from dated bench runs.
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendInfo } from '../../src/index';

export const RECORD_SCHEMA = 'lattice-figures/1';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Where the records live; LATTICE_FIGURES_DIR moves them (tests, trial runs that must not replace a committed record). */
export const recordDir = (): string => process.env.LATTICE_FIGURES_DIR ?? join(root, 'bench', 'results', 'figures');

export interface FiguresRecord {
  schema: typeof RECORD_SCHEMA;
  name: string;
  /** The command that regenerates the record, as typed from the repository root. */
  command: string;
  /** ISO date-time of the start. */
  date: string;
  machine: { cpu: string; cores: number; node: string; backend: string; isa: string };
  /** Lattice's thread count (LATTICE_NUM_THREADS or the default). */
  threads: number;
  /** os.loadavg() (1, 5, 15 minutes) at the start and at the end. */
  load: { start: number[]; end: number[] };
  cpuSeconds: number;
  wallSeconds: number;
  /** The raw figures, as the script computed them. */
  figures: unknown;
  /** The figures as the README shows them. */
  markdown: string;
}

export interface RecordRun {
  /** Writes bench/results/figures/<name>.json (atomically) and returns its path. */
  save(figures: unknown, markdown: string): string;
}

/** The command line that made this process, with LATTICE_NUM_THREADS when it was set. */
function commandLine(): string {
  const script = process.argv[1] ? relative(root, process.argv[1]) : '?';
  const threads = process.env.LATTICE_NUM_THREADS ? `LATTICE_NUM_THREADS=${process.env.LATTICE_NUM_THREADS} ` : '';
  const args = process.argv.slice(2).map((a) => (/^[\w./=:-]+$/.test(a) ? a : JSON.stringify(a)));
  return `${threads}npx tsx ${[script, ...args].join(' ')}`;
}

/** Starts the clocks of a record named `name` (a file name: letters, digits, '-'). */
export function startRecord(name: string): RecordRun {
  if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) throw new Error(`startRecord: name '${name}' must be lowercase letters, digits and '-' (it names the file and the README block)`);
  const date = new Date().toISOString();
  const load0 = loadavg();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const command = commandLine();
  return {
    save(figures, markdown) {
      const cpu = process.cpuUsage(cpu0);
      const info = backendInfo();
      const record: FiguresRecord = {
        schema: RECORD_SCHEMA, name, command, date,
        machine: { cpu: cpus()[0]?.model.trim() ?? 'unknown CPU', cores: cpus().length, node: process.version, backend: info.backend, isa: info.isa },
        threads: info.threads,
        load: { start: load0, end: loadavg() },
        cpuSeconds: (cpu.user + cpu.system) / 1e6,
        wallSeconds: (performance.now() - t0) / 1000,
        figures, markdown: markdown.trimEnd(),
      };
      const dir = recordDir();
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${name}.json`);
      // A run killed while writing must not leave a half record for readme-figures to read.
      writeFileSync(`${file}.tmp`, JSON.stringify(record, null, 1) + '\n');
      renameSync(`${file}.tmp`, file);
      console.log(`record: ${relative(process.cwd(), file)} (${record.wallSeconds.toFixed(0)} s wall, ${record.cpuSeconds.toFixed(0)} CPU-s; \`node scripts/readme-figures.mjs\` puts it in the README)`);
      return file;
    },
  };
}

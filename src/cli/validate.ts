/**
 * Flag checks shared by the `lattice` commands. They run before any side
 * effect (banner, data load, run folder), so a bad flag costs nothing and
 * leaves nothing behind; each failure is one ArgumentError line, which main()
 * prints and turns into exit code 2.
 */
import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ArgumentError, fmtArg } from '../errors';

/** `--name` must be an integer >= 1 (undefined means "not given" and passes). */
export function checkPositiveInt(command: string, flag: string, value: number | undefined): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1)) {
    throw new ArgumentError(`${command}: ${flag} must be a positive integer, got ${fmtArg(value)}`);
  }
}

/** `--name` must be a finite number > 0 (undefined passes). */
export function checkPositiveNumber(command: string, flag: string, value: number | undefined): void {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    throw new ArgumentError(`${command}: ${flag} must be a positive number, got ${fmtArg(value)}`);
  }
}

/** `value` must be one of `choices`. */
export function checkChoice(command: string, flag: string, value: string, choices: readonly string[]): void {
  const list = choices.length > 1 ? `${choices.slice(0, -1).join(', ')} or ${choices[choices.length - 1]}` : choices.join('');
  if (!choices.includes(value)) throw new ArgumentError(`${command}: ${flag} must be ${list}, got '${value}'`);
}

/**
 * The output folder `dir` must be a folder we can write, or not exist yet with
 * a writable folder as its nearest existing ancestor (it is made later, after
 * the other checks and the data load). Checked, not created: no side effect.
 */
export function checkOutDir(command: string, flag: string, dir: string): void {
  const target = resolve(dir);
  let probe = target;
  while (!existsSync(probe)) {
    const parent = dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  const isDir = existsSync(probe) && statSync(probe).isDirectory();
  if (!isDir) {
    throw new ArgumentError(probe === target
      ? `${command}: ${flag} ${dir} exists and is not a folder; choose a new or existing folder`
      : `${command}: ${flag} ${dir} cannot be created: ${probe} is not a folder`);
  }
  try {
    accessSync(probe, constants.W_OK);
  } catch {
    throw new ArgumentError(`${command}: ${flag} ${dir} is not writable (no write permission on ${probe})`);
  }
}

/**
 * Creates the output folder checked by checkOutDir, one missing level at a
 * time (Node's recursive mkdirSync loops forever where a parent refuses new
 * entries with ENOENT, as /proc does); a failure the check could not foresee
 * (read-only file system, a race) is still one clear line.
 */
export function makeOutDir(command: string, flag: string, dir: string): string {
  const target = resolve(dir);
  const missing: string[] = [];
  for (let p = target; !existsSync(p) && dirname(p) !== p; p = dirname(p)) missing.unshift(p);
  try {
    for (const p of missing) mkdirSync(p);
  } catch (e) {
    throw new ArgumentError(`${command}: ${flag} ${dir} cannot be created (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return target;
}

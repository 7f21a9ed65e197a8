/**
 * Atomic file writes for checkpoints: the bytes go to a hidden temporary file
 * beside the target, are fsynced, and replace the target by one rename, so a
 * reader sees the old file or the new one, never a torn one.
 *
 * The temporary name is `.<target>.<pid>.<threadId>.<random>.tmp`: unique per
 * process, worker thread and call, so concurrent saves to one path (workers
 * or processes) never write into each other's file. Every failure path removes
 * it. A process killed mid-save (kill -9, power loss) cannot, so the next save
 * of the same target removes the temporary files of that target whose process
 * is gone (on Linux also those whose pid now belongs to a process started after
 * the file was last written); temporaries of live processes (saves in flight)
 * are left alone.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { threadId } from 'node:worker_threads';
import { ArgumentError } from '../errors';

/** The largest slice one writeSync/readSync call moves (Node refuses more than 2 GiB - 1 per call). */
let ioChunkBytes = 1 << 30;

/** @internal Shrinks the I/O slice so tests can cover the multi-slice path with small tensors. */
export function _setIoChunkBytes(bytes: number): void {
  ioChunkBytes = bytes;
}

/** @internal The current I/O slice size (see _setIoChunkBytes). */
export function ioChunk(): number {
  return ioChunkBytes;
}

/** Why an fs call failed, in words, from its error code. */
function reason(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  switch (err.code) {
    case 'ENOENT': return 'its folder does not exist';
    case 'EACCES': case 'EPERM': return 'permission denied';
    case 'EISDIR': return 'it is a directory';
    case 'ENOTDIR': return 'a part of its folder path is not a directory';
    case 'ENOSPC': return 'no space left on the device';
    case 'EROFS': return 'the file system is read-only';
    case 'EDQUOT': return 'the disk quota is exhausted';
    default: return err.message ?? String(e);
  }
}

/** An error for `op` failing on `path`, naming the target (never the hidden temporary file). */
export function fileError(op: string, path: string, what: string, e: unknown): ArgumentError {
  const code = (e as NodeJS.ErrnoException).code;
  return new ArgumentError(`${op}: cannot ${what} ${path}: ${reason(e)}${code ? ` (${code})` : ''}`);
}

// After `.<target>.`: `<pid>.<threadId>.<random>.tmp`, or `<pid>.<time>.tmp` of earlier versions. Parsed
// after the known target: a pattern for the whole name read `.<target>.<pid>.0.<random>.tmp` with a
// random part of decimal digits only (one in 280 names) as an old-format name of another target.
const TEMP_SUFFIX = /^(\d+)\.\d+(?:\.[0-9a-f]+)?\.tmp$/;

function processIsAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Clock ticks after boot at which `pid` started (Linux /proc/<pid>/stat field 22), or null elsewhere. */
function startTicks(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    return Number.isFinite(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

// Linux's USER_HZ, the unit of starttime: 100 on every architecture Node runs on.
const MS_PER_TICK = 10;
// Slack for the start-time comparison: ticks are 10 ms, and performance.timeOrigin is taken during
// Node's start-up, a few tens of ms after the process's own start.
const START_SLACK_MS = 250;

/**
 * Whether a live process with this pid may have written a temporary file last modified at
 * `mtimeMs`. A pid is reused: one that started after the file was last written cannot be its
 * writer (a container restarted with the same pids would otherwise keep a dead run's temporary
 * files forever, and the test's killed children's pids came back within the second).
 */
function mayOwn(pid: number, mtimeMs: number): boolean {
  if (!processIsAlive(pid)) return false;
  const theirs = startTicks(pid), ours = startTicks(process.pid);
  if (theirs === null || ours === null) return true;  // not Linux: the pid alone decides
  const startedMs = performance.timeOrigin + (theirs - ours) * MS_PER_TICK;
  return startedMs <= mtimeMs + START_SLACK_MS;
}

/** Removes temporary files of `path` left by processes that no longer run; returns how many. */
export function removeStaleTemps(path: string): number {
  const dir = dirname(path), target = basename(path);
  let removed = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  const prefix = `.${target}.`;
  for (const name of entries) {
    const m = name.startsWith(prefix) ? TEMP_SUFFIX.exec(name.slice(prefix.length)) : null;
    if (!m) continue;
    let mtimeMs: number;
    try {
      mtimeMs = statSync(join(dir, name)).mtimeMs;
    } catch {
      continue;  // another save removed it first
    }
    if (mayOwn(Number(m[1]), mtimeMs)) continue;
    try {
      unlinkSync(join(dir, name));
      removed++;
    } catch {
      // Another save removed it first.
    }
  }
  return removed;
}

/** Writes `bytes` at the file's current position in slices of at most ioChunk() bytes. */
function writeAll(fd: number, bytes: Uint8Array): void {
  for (let at = 0; at < bytes.byteLength;) {
    const n = Math.min(ioChunkBytes, bytes.byteLength - at);
    at += writeSync(fd, bytes.subarray(at, at + n));
  }
}

/**
 * Writes the parts to `path` atomically (temporary file, fsync, rename, folder fsync).
 * Errors name `op` and `path`; the temporary file never outlives a failure.
 */
export function writeFileAtomic(op: string, path: string, parts: Iterable<Uint8Array>): void {
  const target = resolve(path);
  let isDirectory = false;
  try {
    isDirectory = statSync(target).isDirectory();
  } catch {
    // No file there yet: the usual case.
  }
  if (isDirectory) throw new ArgumentError(`${op}: cannot save to ${path}: it is a directory`);
  removeStaleTemps(target);
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${threadId}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx');
  } catch (e) {
    throw fileError(op, path, 'save to', e);
  }
  let stage = 'write';
  try {
    for (const part of parts) writeAll(fd, part);
    stage = 'sync';
    fsyncSync(fd);
    stage = 'close';
    const closing = fd;
    fd = -1;
    closeSync(closing);
    stage = 'rename';
    renameSync(tmp, target);
  } catch (e) {
    if (fd >= 0) try { closeSync(fd); } catch { /* already closed */ }
    try { unlinkSync(tmp); } catch { /* never created or already gone */ }
    throw fileError(op, path, stage === 'rename' ? 'replace' : 'save to', e);
  }
  try {
    const dirFd = openSync(dirname(target), 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
  } catch {
    // Some platforms cannot fsync a directory; the rename is still atomic.
  }
}

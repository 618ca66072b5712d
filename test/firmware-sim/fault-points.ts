// Walks a fault over every call an operation makes: a dry run on a fresh copy of the starting
// state counts the calls the fault kind can strike, then each call in turn is struck on another
// fresh copy and the caller's checks run. Shared by the flash-level and firmware-level matrices.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FaultKind, FaultyFlashIO } from '../../firmware-sim/flash-faults';

/**
 * Where the matrix's folders go: memory when the machine has it. The fault layer models what a
 * power cut loses, so real flushes to a disk would only cost time (thousands of them per run).
 */
export const SCRATCH = existsSync('/dev/shm') ? '/dev/shm' : tmpdir();

/** How many calls of an operation a fault of this kind can strike (writes only for short/torn writes). */
export async function faultPoints(kind: FaultKind, prepare: (dir: string) => void, operate: (dir: string, io: FaultyFlashIO, arm: () => void) => Promise<unknown> | unknown): Promise<string[]> {
  const dir = mkdtempSync(join(SCRATCH, 'plushlink-points-'));
  try {
    prepare(dir);
    const io = new FaultyFlashIO();
    let from = 0;
    await operate(dir, io, () => void (from = io.calls.length));
    const calls = io.calls.slice(from);
    return kind === 'short-write' || kind === 'torn-write' ? calls.filter((c) => c.startsWith('write ')) : calls;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A fresh folder for one cell of the matrix, removed afterwards. */
export async function inFreshDir<T>(body: (dir: string) => Promise<T> | T): Promise<T> {
  const dir = mkdtempSync(join(SCRATCH, 'plushlink-fault-'));
  try {
    return await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Every file under a folder, as relative path and bytes. */
export function filesIn(dir: string): Array<{ readonly name: string; readonly bytes: Buffer }> {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((name) => statSync(join(dir, name)).isFile())
    .map((name) => ({ name, bytes: readFileSync(join(dir, name)) }));
}

/** Names of leftovers a completed mount must never leave: temporary files and tombstones. */
export function leftovers(dir: string): string[] {
  return filesIn(dir)
    .map((f) => f.name)
    .filter((name) => name.endsWith('.tmp') || name.endsWith('.erasing'));
}

/** True when some file under `dir` still holds `secret`. */
export function holds(dir: string, secret: Uint8Array): boolean {
  return filesIn(dir).some((f) => f.bytes.includes(Buffer.from(secret)));
}

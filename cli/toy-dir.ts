// A toy's folder, shared by `plushlink toy --dir DIR` and the commands that reach it: the toy's
// flash and speaker output live there, and while the toy runs, three small text files tell other
// processes where it is (handy from a shell too: `kill -USR1 $(cat DIR/pid)` presses the paw).
//   DIR/air     the air the toy serves, e.g. tcp:127.0.0.1:7357
//   DIR/toy-id  the toy's id (16 hex digits)
//   DIR/pid     the toy process
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ToyDirPaths {
  readonly dir: string;
  readonly flash: string;
  readonly speaker: string;
  readonly air: string;
  readonly toyId: string;
  readonly pid: string;
}

export interface RunningToyInfo {
  readonly air: string;
  readonly toyId: string;
  readonly pid: number;
}

export function toyDirPaths(dir: string): ToyDirPaths {
  return {
    dir,
    flash: join(dir, 'flash'),
    speaker: join(dir, 'speaker'),
    air: join(dir, 'air'),
    toyId: join(dir, 'toy-id'),
    pid: join(dir, 'pid'),
  };
}

/** The toy running in `dir`, or undefined when none is (no files, or its process is gone). */
export function findRunningToy(dir: string): RunningToyInfo | undefined {
  const paths = toyDirPaths(dir);
  if (![paths.air, paths.toyId, paths.pid].every((p) => existsSync(p))) return undefined;
  const pid = Number(readFileSync(paths.pid, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0 || !alive(pid)) return undefined;
  return { air: readFileSync(paths.air, 'utf8').trim(), toyId: readFileSync(paths.toyId, 'utf8').trim(), pid };
}

/** The toy running in `dir`; an error saying how to start one when none is. */
export function runningToy(dir: string): RunningToyInfo {
  const toy = findRunningToy(dir);
  if (!toy) throw new Error(`no toy is running in ${dir} (start one with: plushlink toy --dir ${dir})`);
  return toy;
}

export function announceToy(paths: ToyDirPaths, info: RunningToyInfo): void {
  writeFileSync(paths.air, `${info.air}\n`);
  writeFileSync(paths.toyId, `${info.toyId}\n`);
  writeFileSync(paths.pid, `${info.pid}\n`);
}

export function withdrawToy(paths: ToyDirPaths): void {
  for (const file of [paths.air, paths.toyId, paths.pid]) rmSync(file, { force: true });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

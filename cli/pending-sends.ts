// Sends that did not finish, kept beside the phone store so that running the same `plushlink
// send` again resumes where it stopped: the sealed envelope is saved before the first byte
// leaves, keyed by toy and by the file's contents (sealing again would make a new message, which
// the toy could not resume and would store twice).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

export interface PendingSend {
  /** The envelope saved by an earlier, interrupted run; undefined on a first try. */
  readonly envelope: Uint8Array | undefined;
  save(envelope: Uint8Array): void;
  /** The toy stored it: nothing left to resume. */
  done(): void;
}

export function pendingSend(storePath: string, toyId: string, recording: Uint8Array): PendingSend {
  const digest = createHash('sha256').update(recording).digest('hex').slice(0, 32);
  const path = join(dirname(storePath), 'pending-sends', `${toyId}-${digest}.sealed`);
  return {
    envelope: existsSync(path) ? new Uint8Array(readFileSync(path)) : undefined,
    save(envelope) {
      mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
      writeFileSync(`${path}.tmp`, envelope, { mode: 0o600 });
      renameSync(`${path}.tmp`, path);
    },
    done() {
      rmSync(path, { force: true });
    },
  };
}

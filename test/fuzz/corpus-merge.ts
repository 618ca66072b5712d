// Merging corpora: the finds CI shards saved on their machines (their corpus folders, uploaded as
// artifacts) copied into one corpus. Entries are named by the hash of target and input, so the
// same find from two shards becomes one file; an entry for a target this registry lacks, or that
// does not parse, is refused rather than copied blindly.
import { existsSync } from 'node:fs';
import { CORPUS_DIR, entryFile, loadEntries, saveEntry } from './corpus';

export interface CorpusMergeResult {
  readonly into: string;
  readonly added: readonly string[];
  readonly alreadyPresent: number;
  readonly refused: readonly { readonly file: string; readonly reason: string }[];
}

export function mergeCorpus(dirs: readonly string[], targetNames: readonly string[], into = CORPUS_DIR): CorpusMergeResult {
  const known = new Set(targetNames);
  const added: string[] = [];
  const refused: { file: string; reason: string }[] = [];
  let alreadyPresent = 0;
  for (const dir of dirs) {
    if (!existsSync(dir)) {
      refused.push({ file: dir, reason: 'no such folder' });
      continue;
    }
    let entries: ReturnType<typeof loadEntries>;
    try {
      entries = loadEntries(dir);
    } catch (error) {
      refused.push({ file: dir, reason: `unreadable corpus: ${String(error)}` });
      continue;
    }
    for (const { file, entry } of entries) {
      if (!known.has(entry.target)) refused.push({ file, reason: `unknown target "${entry.target}"` });
      else {
        const existed = existsSync(entryFile(entry, into));
        const saved = saveEntry(entry, into);
        if (existed) alreadyPresent++;
        else added.push(saved);
      }
    }
  }
  return { into, added, alreadyPresent, refused };
}

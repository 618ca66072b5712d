// `npm run attacks`: runs every attack against both profiles and prints the results as a table,
// with each attack's evidence; then the cloud breach against the legacy cloud and the relay (SQLite,
// and PostgreSQL when reachable). Exits 1 if any attack did not turn out as the threat model says
// (success on legacy, failure on secure and on the relay).
import { ATTACKS } from './attacks';
import { CLOUD_ATTACKS, runCloudAttacks } from './cloud-attacks';
import type { CloudKind } from './cloud-target';
import { CLOUDS, CLOUD_LABELS, cloudAvailable, createCloudTarget } from './clouds';
import { createTarget, type Profile } from './targets';

async function main(): Promise<void> {
  // Every noble and bleno adds its own SIGINT and exit listeners; the radio and cloud rows make dozens of toys and phones.
  process.setMaxListeners(300);
  const rows: Array<{ id: string; title: string; legacy: string; secure: string; ok: boolean }> = [];
  const only = process.argv.slice(2);
  for (const attack of ATTACKS.filter((a) => only.length === 0 || only.includes(a.id))) {
    const result: Partial<Record<Profile, { succeeded: boolean; evidence: string; notApplicable?: string }>> = {};
    for (const profile of ['legacy', 'secure'] as const) {
      const target = await createTarget(profile);
      try {
        result[profile] = await attack.run(target);
      } catch (error) {
        result[profile] = { succeeded: false, evidence: `attack errored: ${(error as Error).message}` };
      } finally {
        await target.close();
      }
      process.stderr.write('.');
    }
    const cell = (r: { succeeded: boolean; evidence: string; notApplicable?: string }): string =>
      r.notApplicable !== undefined ? `n/a: ${r.notApplicable}` : `${r.succeeded ? 'SUCCEEDS' : 'fails'}: ${r.evidence}`;
    rows.push({
      id: attack.id,
      title: attack.title,
      legacy: cell(result.legacy!),
      secure: cell(result.secure!),
      ok: (result.legacy!.succeeded || result.legacy!.notApplicable !== undefined) && !result.secure!.succeeded,
    });
  }
  process.stderr.write('\n');
  const line = (cols: string[]): string => `| ${cols.join(' | ')} |`;
  console.log(line(['attack', 'legacy CloudPets profile', 'plushlink secure profile', 'as expected']));
  console.log(line(['---', '---', '---', '---']));
  for (const r of rows) console.log(line([r.title, r.legacy, r.secure, r.ok ? 'yes' : 'NO']));
  const cloudOk = await cloudTable(line);
  process.exitCode = rows.every((r) => r.ok) && cloudOk ? 0 : 1;
}

/** The 2017 cloud breach: each attack against the legacy cloud and the relay on each store. */
async function cloudTable(line: (cols: string[]) => string): Promise<boolean> {
  const cells = new Map<string, Partial<Record<CloudKind, { succeeded: boolean; text: string }>>>();
  for (const kind of CLOUDS) {
    if (!(await cloudAvailable(kind))) {
      for (const attack of CLOUD_ATTACKS) cells.set(attack.id, { ...cells.get(attack.id), [kind]: { succeeded: false, text: 'skipped: PostgreSQL unreachable' } });
      continue;
    }
    await runCloudAttacks(CLOUD_ATTACKS, () => createCloudTarget(kind), (attack, outcome) => {
      const cell =
        outcome instanceof Error
          ? { succeeded: kind !== 'legacy', text: `attack errored: ${outcome.message}` }
          : { succeeded: outcome.succeeded, text: `${outcome.succeeded ? 'SUCCEEDS' : 'fails'}: ${outcome.evidence}` };
      cells.set(attack.id, { ...cells.get(attack.id), [kind]: cell });
      process.stderr.write('.');
    });
  }
  process.stderr.write('\n');
  console.log('');
  console.log(line(['cloud attack', ...CLOUDS.map((k) => CLOUD_LABELS[k]), 'as expected']));
  console.log(line(['---', ...CLOUDS.map(() => '---'), '---']));
  let ok = true;
  for (const attack of CLOUD_ATTACKS) {
    const row = cells.get(attack.id)!;
    const expected = CLOUDS.every((k) => row[k]!.succeeded === (k === 'legacy'));
    ok &&= expected;
    console.log(line([attack.title, ...CLOUDS.map((k) => row[k]!.text), expected ? 'yes' : 'NO']));
  }
  return ok;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

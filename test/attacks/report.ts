// `npm run attacks`: runs every attack against both profiles and prints the results as a table,
// with each attack's evidence. Exits 1 if any attack did not turn out as the threat model says
// (success on legacy, failure on secure).
import { ATTACKS } from './attacks';
import { createTarget, type Profile } from './targets';

async function main(): Promise<void> {
  // Every noble and bleno adds its own SIGINT and exit listeners; twenty toys and phones are expected here.
  process.setMaxListeners(100);
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
  process.exitCode = rows.every((r) => r.ok) ? 0 : 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});

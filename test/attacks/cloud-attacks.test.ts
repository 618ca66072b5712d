// The 2017 cloud breach, row by row: every attack succeeds against the legacy CloudPets cloud and
// fails against plushlink's family relay, on SQLite and (when reachable) on PostgreSQL.
// `npm run attacks` prints the same rows as a table.
import type { Outcome } from './attacks';
import { CLOUD_ATTACKS, runCloudAttacks } from './cloud-attacks';
import type { CloudKind } from './cloud-target';
import { CLOUD_LABELS, cloudAvailable, createCloudTarget } from './clouds';

describe.each<[CloudKind, boolean]>([
  ['legacy', true],
  ['relay-sqlite', false],
  ['relay-postgres', false],
])('against the %s cloud', (kind, expected) => {
  // The attacks run once, in order (read-only ones share a cloud); each test checks its row.
  const outcomes = new Map<string, Outcome | Error>();
  let available = true;
  beforeAll(async () => {
    available = await cloudAvailable(kind); // an unreachable PostgreSQL is said loudly by the harness
    if (available) await runCloudAttacks(CLOUD_ATTACKS, () => createCloudTarget(kind), (attack, outcome) => void outcomes.set(attack.id, outcome));
  }, 120_000);

  for (const attack of CLOUD_ATTACKS) {
    it(`${attack.title}: ${expected ? 'succeeds' : 'fails'}`, () => {
      if (!available) return;
      const outcome = outcomes.get(attack.id);
      if (outcome instanceof Error) throw outcome;
      expect({ cloud: CLOUD_LABELS[kind], attack: attack.id, succeeded: outcome?.succeeded, evidence: outcome?.evidence }).toEqual({
        cloud: CLOUD_LABELS[kind],
        attack: attack.id,
        succeeded: expected,
        evidence: outcome?.evidence,
      });
      if (attack.id === 'crack-passwords' && expected) {
        // The tutorial's "qwe" and grandma's "a" fall with the rest.
        expect(outcome!.evidence).toContain('sarah.miller@example.com: "qwe"');
        expect(outcome!.evidence).toContain('rose.hughes@example.com: "a"');
      }
    });
  }
});

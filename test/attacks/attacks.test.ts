// The attack suite: every attack succeeds against the legacy CloudPets profile and fails
// against plushlink's secure profile. `npm run attacks` prints the same results as a table.
import { ATTACKS } from './attacks';
import { createTarget, type Profile } from './targets';

describe.each<[Profile, boolean]>([
  ['legacy', true],
  ['secure', false],
])('against the %s profile', (profile, expected) => {
  for (const attack of ATTACKS) {
    it(`${attack.title}: ${expected ? 'succeeds' : 'fails'}`, async () => {
      const target = await createTarget(profile);
      try {
        const outcome = await attack.run(target);
        // On the legacy toy an attack succeeds, or says why it has nothing to aim at there.
        const asExpected = outcome.notApplicable !== undefined && profile === 'legacy' ? expected : outcome.succeeded;
        expect({ attack: attack.id, succeeded: asExpected, evidence: outcome.evidence }).toEqual({
          attack: attack.id,
          succeeded: expected,
          evidence: outcome.evidence,
        });
        // Whatever happened, the owner's phone can still use a secure toy afterwards.
        if (profile === 'secure') expect(await target.ownerCanStillUseToy()).toBe(true);
      } finally {
        await target.close();
      }
    });
  }
});

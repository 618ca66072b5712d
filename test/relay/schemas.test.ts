// Several relay databases in one PostgreSQL, each in its own schema (tenants, test runs, a family
// moving to a new relay on a shared server): each migrates and works, whatever the others hold.
import { postgresReachable, testDatabase } from './relay-harness';

describe('relay databases side by side in one PostgreSQL', () => {
  it('migrate each in its own schema while another already exists', async () => {
    if (!(await postgresReachable())) return;
    const [first, second] = [testDatabase('postgres'), testDatabase('postgres')];
    try {
      const a = await first.open();
      const b = await second.open(); // Kysely must not mistake the first schema's tables for its own
      try {
        for (const store of [a, b]) expect(await store.db.selectFrom('mailboxes').select('id').execute()).toEqual([]);
      } finally {
        await a.close();
        await b.close();
      }
    } finally {
      await first.drop();
      await second.drop();
    }
  });
});

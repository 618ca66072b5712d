// Queries compiled once per shape: Kysely builds a shape a single time, and every run carries its
// own values into the parameters, also a value the shape uses twice.
import { Kysely, SqliteDialect } from 'kysely';
import Database from 'better-sqlite3';
import { CompiledQueries } from '../../relay/store/compiled-queries';

interface Db {
  things: { id: string; n: number };
}

describe('compiled queries', () => {
  let db: Kysely<Db>;

  beforeEach(async () => {
    db = new Kysely<Db>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
    await db.schema.createTable('things').addColumn('id', 'text', (c) => c.primaryKey()).addColumn('n', 'integer').execute();
  });
  afterEach(() => db.destroy());

  it('builds each shape once and runs it with the values of each call', async () => {
    const queries = new CompiledQueries(db);
    let builds = 0;
    const insert = (q: Kysely<Db>, p: { id: string; n: number }) => {
      builds++;
      return q.insertInto('things').values({ id: p.id, n: p.n });
    };
    for (const [id, n] of [['a', 1], ['b', 2], ['c', 3]] as const) await queries.run(db, 'insert', insert, { id, n });
    expect(builds).toBe(1);
    expect(await db.selectFrom('things').selectAll().orderBy('id').execute()).toEqual([
      { id: 'a', n: 1 },
      { id: 'b', n: 2 },
      { id: 'c', n: 3 },
    ]);
  });

  it('puts a value used twice in both of its places', async () => {
    const queries = new CompiledQueries(db);
    await db.insertInto('things').values([{ id: 'a', n: 1 }, { id: 'b', n: 2 }]).execute();
    const between = (q: Kysely<Db>, p: { n: number }) => q.selectFrom('things').select('id').where('n', '>=', p.n).where('n', '<=', p.n);
    expect((await queries.run(db, 'between', between, { n: 2 })).rows).toEqual([{ id: 'b' }]);
    expect((await queries.run(db, 'between', between, { n: 1 })).rows).toEqual([{ id: 'a' }]);
  });
});

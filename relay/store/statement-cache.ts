// Prepared SQLite statements kept for reuse. Kysely's SQLite driver prepares every query it runs
// (about a sixth of the relay's database time under upload load); the relay runs a few dozen
// distinct statements, so preparing each once is enough. better-sqlite3 runs a statement to the
// end before it returns, so one prepared statement is never in use twice at the same time.
import type Database from 'better-sqlite3';
import type { SqliteDatabase } from 'kysely';

export function withStatementCache(sqlite: Database.Database, capacity = 256): SqliteDatabase {
  const statements = new Map<string, Database.Statement>();
  return {
    close: () => {
      statements.clear();
      sqlite.close();
    },
    prepare: (sql) => {
      let statement = statements.get(sql);
      if (statement) {
        statements.delete(sql); // re-inserted below: most recently used last
      } else {
        statement = sqlite.prepare(sql);
        if (statements.size >= capacity) statements.delete(statements.keys().next().value as string);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
}

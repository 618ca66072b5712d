// Query shapes built and compiled by Kysely once, then run again with new parameters. Building a
// Kysely query and compiling it to SQL costs more per upload than running the statement itself
// on SQLite; the relay's hot queries differ only in their values, so each shape is built once
// with placeholders for its values, and each run substitutes the values into the compiled
// parameter list. Still one query layer for both databases: the SQL is Kysely's, per dialect.
import { CompiledQuery, type Compilable, type Kysely, type QueryResult } from 'kysely';

/** Stands for a parameter while a shape is built; replaced by the caller's value on each run. */
class Placeholder {
  constructor(readonly name: string) {}
}

interface Shape {
  readonly sql: string;
  /** Each compiled parameter: a constant of the shape, or the name of the value to put there. */
  readonly parameters: readonly (Placeholder | unknown)[];
}

export type Executor = Pick<Kysely<unknown>, 'executeQuery'>;

/**
 * Shapes of one database's queries, keyed by the caller's name for the shape. `build` receives
 * placeholders typed as the values (`p.mailbox` stands for `values.mailbox`); they may only be used
 * as values, never to choose the query's structure (a structure that varies, such as the number
 * of rows, belongs in the key). Keys must come from a small set: the relay's are a few fixed
 * shapes plus one per row count (at most 32 recipients, 500 nonces a statement), so the map is
 * never evicted.
 */
export class CompiledQueries<DB> {
  private readonly shapes = new Map<string, Shape>();

  constructor(private readonly db: Kysely<DB>) {}

  run<V extends Record<string, unknown>, R = unknown>(
    executor: Executor,
    key: string,
    build: (db: Kysely<DB>, p: V) => Compilable<R>,
    values: V,
  ): Promise<QueryResult<R>> {
    let shape = this.shapes.get(key);
    if (!shape) {
      shape = this.compile(build);
      this.shapes.set(key, shape);
    }
    const parameters = shape.parameters.map((p) => (p instanceof Placeholder ? values[p.name] : p));
    return executor.executeQuery(CompiledQuery.raw(shape.sql, parameters)) as Promise<QueryResult<R>>;
  }

  private compile<V, R>(build: (db: Kysely<DB>, p: V) => Compilable<R>): Shape {
    const placeholders = new Map<string, Placeholder>();
    const p = new Proxy({} as Record<string, unknown>, {
      get: (_, name) => {
        if (typeof name !== 'string') return undefined;
        let placeholder = placeholders.get(name);
        if (!placeholder) placeholders.set(name, (placeholder = new Placeholder(name)));
        return placeholder;
      },
    }) as V;
    const compiled = build(this.db, p).compile();
    return { sql: compiled.sql, parameters: compiled.parameters };
  }
}

/**
 * Queries on the delivery hot path, built and compiled by Kysely once per database dialect and then
 * run with each message's values: building and compiling a query costs more than running a cached
 * prepared statement (a profile of one-to-one traffic spent 39% of the server's time there).
 *
 * A query is built once with a distinct placeholder for each parameter; its compiled SQL is kept,
 * with where each placeholder landed among the compiled parameters (constants the builder put in
 * stay as they are). Running it fills those places with the call's values. The query must not
 * change shape with its values (no `in` lists, no branches): such queries are not compiled here.
 */
import { type Compilable, CompiledQuery, type Kysely, type QueryResult } from 'kysely';
import type { Database } from '../db.js';

type Db = Kysely<Database>;

/** A placeholder value nothing real equals. */
const placeholder = (i: number) => `\u0000parley-parameter-${i}\u0000`;

interface Compiled {
  sql: string;
  /** For each compiled parameter: the index of the call's value, or the constant itself. */
  slots: Array<{ arg: number } | { constant: unknown }>;
}

export interface Precompiled<P extends unknown[], R> {
  run(db: Db, ...values: P): Promise<QueryResult<R>>;
}

/** `build` with `arity` parameters, compiled on first use with each dialect, then run by values. */
export function precompiled<P extends unknown[], R>(
  arity: number,
  build: (db: Db, ...values: P) => Compilable<R>,
): Precompiled<P, R> {
  // Keyed by the dialect adapter a database and its transactions share.
  const byAdapter = new WeakMap<object, Compiled>();
  const compile = (db: Db): Compiled => {
    const placeholders = Array.from({ length: arity }, (_, i) => placeholder(i));
    const query = build(db, ...(placeholders as unknown as P)).compile();
    const slots = query.parameters.map((p) => {
      const arg = typeof p === 'string' ? placeholders.indexOf(p) : -1;
      return arg >= 0 ? { arg } : { constant: p };
    });
    for (let i = 0; i < arity; i++)
      if (!slots.some((s) => 'arg' in s && s.arg === i))
        throw new Error(`parameter ${i} is not in the query`);
    return { sql: query.sql, slots };
  };
  return {
    async run(db, ...values) {
      const adapter = db.getExecutor().adapter;
      let compiled = byAdapter.get(adapter);
      if (compiled === undefined) {
        compiled = compile(db);
        byAdapter.set(adapter, compiled);
      }
      const parameters = compiled.slots.map((s) => ('arg' in s ? values[s.arg] : s.constant));
      return db.executeQuery(CompiledQuery.raw(compiled.sql, parameters)) as Promise<QueryResult<R>>;
    },
  };
}

// The knex instance every repository receives. PostgreSQL is the one store.
import knex, { type Knex } from 'knex';
import pg from 'pg';

// PostgreSQL bigint (int8) and numeric come back as strings by default; our counters fit in a double.
pg.types.setTypeParser(20, (v: string) => Number(v));

export type Database = Knex;

export function createDatabase(url: string, poolMax = 20): Database {
  return knex({
    client: 'pg',
    connection: url,
    pool: { min: 0, max: poolMax },
    // Timestamps are stored as timestamptz and read back as Date objects.
  });
}

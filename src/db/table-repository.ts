// The plain CRUD every table-backed resource needs; repositories extend it with their own queries.
import type { Knex } from 'knex';
import type { Database } from './database.js';

export type Filters = Record<string, string | number | boolean | null | undefined>;

export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === '23505';
}

export function isForeignKeyViolation(err: unknown): boolean {
  return (err as { code?: string })?.code === '23503';
}

export class TableRepository<Row extends { id: string }> {
  constructor(
    protected readonly db: Database,
    protected readonly table: string,
    /** Maps a raw database row to the typed row (e.g. sentinel values to null). */
    protected readonly toRow: (raw: any) => Row = (raw) => raw as Row,
    /** Maps a typed row (or part of one) to database columns. */
    protected readonly toColumns: (row: Partial<Row>) => Record<string, unknown> = (row) => row,
  ) {}

  protected query(trx?: Knex.Transaction): Knex.QueryBuilder {
    return (trx ?? this.db)(this.table);
  }

  async get(id: string, trx?: Knex.Transaction): Promise<Row | undefined> {
    const raw = await this.query(trx).where({ id }).first();
    return raw ? this.toRow(raw) : undefined;
  }

  /** Equality filters; undefined values are ignored. */
  async list(filters: Filters = {}, orderBy = 'id'): Promise<Row[]> {
    const q = this.query();
    for (const [column, value] of Object.entries(filters)) {
      if (value === undefined) continue;
      if (value === null) q.whereNull(column);
      else q.where(column, value);
    }
    return (await q.orderBy(orderBy)).map(this.toRow);
  }

  async insert(row: Row, trx?: Knex.Transaction): Promise<Row> {
    const [raw] = await this.query(trx).insert(this.serialise(row)).returning('*');
    return this.toRow(raw);
  }

  /** Returns the updated row, or undefined when there is no row with that id. */
  async update(id: string, patch: Partial<Row>, trx?: Knex.Transaction): Promise<Row | undefined> {
    const columns = this.serialise(patch);
    if (Object.keys(columns).length === 0) return this.get(id, trx);
    const [raw] = await this.query(trx).where({ id }).update(columns).returning('*');
    return raw ? this.toRow(raw) : undefined;
  }

  async delete(id: string, trx?: Knex.Transaction): Promise<boolean> {
    return (await this.query(trx).where({ id }).delete()) > 0;
  }

  /** jsonb columns need JSON text: knex would turn a JS array into a PostgreSQL array. */
  private serialise(row: Partial<Row>): Record<string, unknown> {
    const columns = this.toColumns(row);
    for (const [k, v] of Object.entries(columns)) {
      if (v === undefined) delete columns[k];
      else if (v !== null && typeof v === 'object' && !(v instanceof Date)) columns[k] = JSON.stringify(v);
    }
    return columns;
  }
}

import type { Knex } from 'knex';
import type { Database } from '../../db/database.js';

export interface RevocationEvent {
  audit_id?: string;
  user_id?: string;
  project_id?: string;
  domain_id?: string;
  app_cred_id?: string;
  /** Tokens issued at or before this instant (ms since epoch) that match are revoked. */
  issued_before_ms: number;
}

export interface TokenFacts {
  auditIds: string[];
  userId: string;
  projectId?: string;
  /** The domains the token depends on: the user's, the project's, the scoped domain. */
  domainIds: string[];
  appCredId?: string;
  issuedAtMs: number;
}

/** An EXISTS condition that is true when any revocation event matches the token. */
export function revokedCondition(db: Database, t: TokenFacts): Knex.Raw {
  return db.raw(
    `EXISTS (SELECT 1 FROM revocation_events WHERE
       audit_id = ANY(?)
       OR (user_id = ? AND project_id IS NULL AND issued_before_ms >= ?)
       OR (project_id = ? AND (user_id IS NULL OR user_id = ?) AND issued_before_ms >= ?)
       OR (domain_id = ANY(?) AND issued_before_ms >= ?)
       OR (app_cred_id = ? AND issued_before_ms >= ?))`,
    [t.auditIds, t.userId, t.issuedAtMs, t.projectId ?? null, t.userId, t.issuedAtMs, t.domainIds, t.issuedAtMs, t.appCredId ?? null, t.issuedAtMs],
  );
}

export class RevocationRepository {
  constructor(private readonly db: Database) {}

  async add(event: RevocationEvent): Promise<void> {
    await this.db('revocation_events').insert(event);
  }

  async isRevoked(t: TokenFacts): Promise<boolean> {
    const { rows } = await this.db.raw('SELECT ? AS revoked', [revokedCondition(this.db, t)]);
    return rows[0].revoked;
  }

  /** Events older than the longest token lifetime can match no live token. */
  async prune(olderThanMs: number): Promise<void> {
    await this.db('revocation_events').where('issued_before_ms', '<', olderThanMs).delete();
  }
}

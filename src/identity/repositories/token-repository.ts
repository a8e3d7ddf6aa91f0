import type { Database } from '../../db/database.js';
import { revokedCondition, type TokenFacts } from './revocation-repository.js';

/** Everything a token's validation needs to know about its user and scope, read in one query. */
export interface TokenSubject {
  user_name: string;
  user_enabled: boolean;
  user_domain_id: string;
  user_domain_name: string;
  user_domain_enabled: boolean;
  password_expires_at: Date | null;
  project_name: string | null;
  project_enabled: boolean | null;
  project_domain_id: string | null;
  project_domain_name: string | null;
  project_domain_enabled: boolean | null;
  domain_name: string | null;
  domain_enabled: boolean | null;
  revoked: boolean;
}

export class TokenRepository {
  constructor(private readonly db: Database) {}

  async subject(t: TokenFacts & { domainId?: string }): Promise<TokenSubject | undefined> {
    const { rows } = await this.db.raw(
      `SELECT u.name AS user_name, u.enabled AS user_enabled, u.domain_id AS user_domain_id, u.password_expires_at,
              ud.name AS user_domain_name, ud.enabled AS user_domain_enabled,
              p.name AS project_name, p.enabled AS project_enabled, p.domain_id AS project_domain_id,
              pd.name AS project_domain_name, pd.enabled AS project_domain_enabled,
              d.name AS domain_name, d.enabled AS domain_enabled,
              ? AS revoked
       FROM users u JOIN domains ud ON ud.id = u.domain_id
       LEFT JOIN projects p ON p.id = ? LEFT JOIN domains pd ON pd.id = p.domain_id
       LEFT JOIN domains d ON d.id = ?
       WHERE u.id = ?`,
      [revokedCondition(this.db, t), t.projectId ?? null, t.domainId ?? null, t.userId],
    );
    return rows[0];
  }
}

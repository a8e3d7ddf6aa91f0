// Tokens are JWS (ES256) JWTs, as Keystone's own JWS token provider makes them: self-contained, signed
// with a key pair kept in the data dir, so that several virtstack processes sharing the key validate each
// other's tokens. Revocation is not in the token: TokenService checks it on every validation.
import { generateKeyPairSync, randomBytes, createPublicKey, type KeyObject, createPrivateKey } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';

export type TokenScope =
  | { project: string }
  | { domain: string }
  | { system: 'all' }
  | undefined;

export interface TokenClaims {
  userId: string;
  methods: string[];
  scope: TokenScope;
  /** audit_ids: this token's id first, then the audit id of the token it was re-scoped from. */
  auditIds: string[];
  issuedAtMs: number;
  expiresAtMs: number;
  applicationCredentialId?: string;
}

interface Payload {
  sub: string;
  mth: string[];
  prj?: string;
  dom?: string;
  sys?: string;
  aid: string[];
  iam: number;
  exp: number;
  acr?: string;
}

/** Keystone's audit ids: 16 random bytes, urlsafe base64 without padding (22 characters). */
export function newAuditId(): string {
  return randomBytes(16).toString('base64url');
}

export class TokenProvider {
  private constructor(
    private readonly privateKey: KeyObject,
    private readonly publicKey: KeyObject,
  ) {}

  /** Loads the key pair from `dir`, creating it on first start (exclusive create: two processes agree on one key). */
  static fromDirectory(dir: string): TokenProvider {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const keyFile = join(dir, 'token-signing-key.pem');
    if (!existsSync(keyFile)) {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      try {
        const fd = openSync(keyFile, 'wx', 0o600);
        writeSync(fd, privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
        closeSync(fd);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
    }
    const privateKey = createPrivateKey(readFileSync(keyFile));
    return new TokenProvider(privateKey, createPublicKey(privateKey));
  }

  issue(claims: TokenClaims): string {
    const payload: Payload = {
      sub: claims.userId,
      mth: claims.methods,
      aid: claims.auditIds,
      iam: claims.issuedAtMs,
      exp: Math.floor(claims.expiresAtMs / 1000),
    };
    if (claims.scope && 'project' in claims.scope) payload.prj = claims.scope.project;
    if (claims.scope && 'domain' in claims.scope) payload.dom = claims.scope.domain;
    if (claims.scope && 'system' in claims.scope) payload.sys = claims.scope.system;
    if (claims.applicationCredentialId) payload.acr = claims.applicationCredentialId;
    return jwt.sign(payload, this.privateKey, { algorithm: 'ES256', noTimestamp: true });
  }

  /** Returns the claims of an authentic, unexpired token, or undefined. */
  verify(token: string): TokenClaims | undefined {
    let p: Payload;
    try {
      p = jwt.verify(token, this.publicKey, { algorithms: ['ES256'] }) as Payload;
    } catch {
      return undefined;
    }
    if (typeof p.sub !== 'string' || !Array.isArray(p.aid) || typeof p.iam !== 'number') return undefined;
    const scope: TokenScope = p.prj ? { project: p.prj } : p.dom ? { domain: p.dom } : p.sys ? { system: 'all' } : undefined;
    return {
      userId: p.sub,
      methods: p.mth,
      scope,
      auditIds: p.aid,
      issuedAtMs: p.iam,
      expiresAtMs: p.exp * 1000,
      applicationCredentialId: p.acr,
    };
  }
}

// Keypairs (nova/api/openstack/compute/keypairs.py, nova/crypto.py): import a public key or have one
// generated (ed25519 or RSA), per user; the fingerprint is the MD5 of the key blob, colon-separated,
// as Nova and `ssh-keygen -l -E md5` print it.
import { createHash, generateKeyPairSync } from 'node:crypto';
import { BadRequestError, ConflictError, NotFoundError } from '../http/errors.js';
import { requireAdmin, type ComputeContext } from './compute-context.js';
import type { KeypairRepository, KeypairRow } from './repositories/keypair-repository.js';
import type { QuotaService } from './quota-service.js';

function sshString(buf: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(buf.length);
  return Buffer.concat([len, buf]);
}

/** An SSH mpint: big-endian, with a leading zero byte when the high bit is set. */
function sshMpint(buf: Buffer): Buffer {
  let b = buf;
  while (b.length > 1 && b[0] === 0 && !(b[1] & 0x80)) b = b.subarray(1);
  if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
  return sshString(b);
}

export function fingerprint(publicKey: string): string {
  const parts = publicKey.trim().split(/\s+/);
  const blob = Buffer.from(parts[1] ?? '', 'base64');
  return createHash('md5').update(blob).digest('hex').match(/../g)!.join(':');
}

/** Checks an OpenSSH public key line: a known type whose blob names the same type. */
export function validatePublicKey(key: string): void {
  const parts = key.trim().split(/\s+/);
  const types = ['ssh-rsa', 'ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-dss'];
  if (parts.length < 2 || !types.includes(parts[0])) throw new BadRequestError('Keypair data is invalid: failed to generate fingerprint');
  const blob = Buffer.from(parts[1], 'base64');
  if (blob.length < 8) throw new BadRequestError('Keypair data is invalid: failed to generate fingerprint');
  const n = blob.readUInt32BE(0);
  if (4 + n > blob.length || blob.subarray(4, 4 + n).toString() !== parts[0]) throw new BadRequestError('Keypair data is invalid: failed to generate fingerprint');
}

export function generateKey(type: 'ed25519' | 'rsa', comment: string): { publicKey: string; privateKey: string } {
  if (type === 'ed25519') {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(-32);
    const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(raw)]);
    return { publicKey: `ssh-ed25519 ${blob.toString('base64')} ${comment}`, privateKey: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string };
  }
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' }) as { n: string; e: string };
  const blob = Buffer.concat([sshString(Buffer.from('ssh-rsa')), sshMpint(Buffer.from(jwk.e, 'base64url')), sshMpint(Buffer.from(jwk.n, 'base64url'))]);
  return { publicKey: `ssh-rsa ${blob.toString('base64')} ${comment}`, privateKey: privateKey.export({ format: 'pem', type: 'pkcs1' }) as string };
}

export class KeypairService {
  constructor(
    private readonly keypairs: KeypairRepository,
    private readonly quotas: QuotaService,
  ) {}

  /** Whose keypairs: the caller's, or (admins, 2.10+) another user's. */
  owner(ctx: ComputeContext, userId: string | undefined): string {
    if (userId === undefined || userId === ctx.auth.userId) return ctx.auth.userId;
    if (ctx.version.before('2.10')) return ctx.auth.userId;
    requireAdmin(ctx, 'os_compute_api:os-keypairs');
    return userId;
  }

  async create(ctx: ComputeContext, body: { name: string; public_key?: string; type?: string; user_id?: string }): Promise<{ row: KeypairRow; privateKey?: string }> {
    const userId = this.owner(ctx, body.user_id);
    const name = body.name;
    if (!/^[\w\- .@]+$/.test(name) || name.trim() !== name) throw new BadRequestError(`Keypair data is invalid: Keypair name contains unsafe characters`);
    if (body.type !== undefined && ctx.version.before('2.2')) throw new BadRequestError("Invalid input for field/attribute keypair. Additional properties are not allowed ('type' was unexpected)");
    const type = body.type ?? 'ssh';
    await this.quotas.checkKeypairs(ctx.projectId, userId);
    let publicKey = body.public_key;
    let privateKey: string | undefined;
    if (publicKey === undefined) {
      // Nova generates RSA keys; ed25519 when asked with type ssh is not in Nova, so RSA it is.
      const generated = generateKey('rsa', `Generated-by-Nova`);
      publicKey = generated.publicKey;
      privateKey = generated.privateKey;
    } else if (type === 'ssh') {
      validatePublicKey(publicKey);
    } else if (!publicKey.includes('BEGIN CERTIFICATE')) {
      throw new BadRequestError('Keypair data is invalid: failed to generate fingerprint');
    }
    const fp = type === 'x509' ? createHash('sha1').update(publicKey).digest('hex').match(/../g)!.join(':') : fingerprint(publicKey);
    const row = await this.keypairs.insert({ user_id: userId, name, type, public_key: publicKey.trim(), fingerprint: fp });
    if (!row) throw new ConflictError(`Key pair '${name}' already exists.`);
    return { row, privateKey };
  }

  async get(ctx: ComputeContext, name: string, userId?: string): Promise<KeypairRow> {
    const kp = await this.keypairs.get(this.owner(ctx, userId), name);
    if (!kp) throw new NotFoundError(`Keypair ${name} not found for user ${userId ?? ctx.auth.userId}`);
    return kp;
  }

  async list(ctx: ComputeContext, q: { user_id?: string; limit?: string; marker?: string }): Promise<KeypairRow[]> {
    const userId = this.owner(ctx, q.user_id);
    let limit: number | undefined;
    if (q.limit !== undefined && ctx.version.atLeast('2.35')) {
      limit = Number(q.limit);
      if (!Number.isInteger(limit) || limit < 0) throw new BadRequestError(`Invalid input for query parameters limit. Value: ${q.limit}.`);
    }
    if (q.marker !== undefined && ctx.version.atLeast('2.35') && !(await this.keypairs.get(userId, q.marker))) throw new BadRequestError(`marker [${q.marker}] not found`);
    return this.keypairs.list(userId, { limit, markerName: ctx.version.atLeast('2.35') ? q.marker : undefined });
  }

  async delete(ctx: ComputeContext, name: string, userId?: string): Promise<void> {
    if (!(await this.keypairs.delete(this.owner(ctx, userId), name))) throw new NotFoundError(`Keypair ${name} not found for user ${userId ?? ctx.auth.userId}`);
  }
}

// Passwords and application credential secrets are hashed with argon2id (RFC 9106's second
// recommended parameter set: 64 MiB, 3 passes, 4 lanes). @node-rs/argon2 runs the hash on libuv's
// thread pool, so a slow hash never stalls the event loop.
import { createHash, timingSafeEqual } from 'node:crypto';
import { hash, verify, Algorithm } from '@node-rs/argon2';

const PARAMS = { algorithm: Algorithm.Argon2id, memoryCost: 65536, timeCost: 3, parallelism: 4 } as const;

export class PasswordHasher {
  constructor(private readonly params: { memoryCost: number; timeCost: number; parallelism: number } = PARAMS) {}

  hash(password: string): Promise<string> {
    return hash(password, { ...PARAMS, ...this.params });
  }

  /**
   * For secrets virtstack generates itself (application credential secrets of 384 random bits): a slow
   * hash protects guessable passwords, but nothing can guess 2^384, so SHA-256 keeps them as safe and
   * lets an application credential authenticate in microseconds. Secrets a user chooses go to hash().
   */
  hashRandomSecret(secret: string): string {
    return `sha256$${createHash('sha256').update(secret).digest('hex')}`;
  }

  async verify(encoded: string | null | undefined, password: string): Promise<boolean> {
    if (!encoded) return false;
    if (encoded.startsWith('sha256$')) {
      const expected = Buffer.from(encoded.slice(7), 'hex');
      const actual = createHash('sha256').update(password).digest();
      return expected.length === actual.length && timingSafeEqual(expected, actual);
    }
    try {
      return await verify(encoded, password);
    } catch {
      return false;
    }
  }
}

// Passwords and application credential secrets are hashed with argon2id (RFC 9106's second
// recommended parameter set: 64 MiB, 3 passes, 4 lanes). @node-rs/argon2 runs the hash on libuv's
// thread pool, so a slow hash never stalls the event loop.
import { hash, verify, Algorithm } from '@node-rs/argon2';

const PARAMS = { algorithm: Algorithm.Argon2id, memoryCost: 65536, timeCost: 3, parallelism: 4 } as const;

export class PasswordHasher {
  constructor(private readonly params: { memoryCost: number; timeCost: number; parallelism: number } = PARAMS) {}

  hash(password: string): Promise<string> {
    return hash(password, { ...PARAMS, ...this.params });
  }

  async verify(encoded: string | null | undefined, password: string): Promise<boolean> {
    if (!encoded) return false;
    try {
      return await verify(encoded, password);
    } catch {
      return false;
    }
  }
}

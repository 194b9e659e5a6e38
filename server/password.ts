/**
 * Room passwords: kept only as salted scrypt hashes, compared in constant time. `node:crypto`
 * (WebCrypto has no scrypt) is imported at the first password, not at start: the first `node:`
 * module loads Deno's node compatibility layer, about 10 MiB of resident memory with
 * `node:crypto`, which a server without password rooms never needs.
 *
 * @module
 */

import type { PasswordHash } from "./state/mod.ts";

export type { PasswordHash };

/** Bytes of random salt per password. */
const SALT_BYTES = 16;
/** Bytes of derived key. */
const KEY_BYTES = 32;
/** scrypt cost parameters: the Node.js defaults (N = 2^14, r = 8, p = 1), about 16 MiB each. */
const SCRYPT_OPTIONS = { N: 16_384, r: 8, p: 1 } as const;

/** Hashes and checks passwords; injectable so tests can use something cheaper. */
export interface PasswordHasher {
  /** Hashes a password with a fresh random salt. */
  hash(password: string): Promise<PasswordHash>;
  /** True when `password` matches `hash`; the comparison takes the same time whatever matches. */
  verify(password: string, hash: PasswordHash): Promise<boolean>;
}

let loading: Promise<typeof import("node:crypto")> | null = null;

/** `node:crypto`, imported by the first hash or check. */
function nodeCrypto(): Promise<typeof import("node:crypto")> {
  loading ??= import("node:crypto");
  return loading;
}

async function derive(password: string, salt: Uint8Array): Promise<Uint8Array> {
  const { scrypt } = await nodeCrypto();
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_BYTES, SCRYPT_OPTIONS, (error, key) => {
      if (error) reject(error);
      else resolve(new Uint8Array(key.buffer, key.byteOffset, key.byteLength));
    });
  });
}

/**
 * The default hasher: asynchronous scrypt, so hashing never blocks the event loop.
 *
 * @example
 * ```ts
 * const hash = await scryptHasher.hash("secret");
 * await scryptHasher.verify("secret", hash); // true
 * ```
 */
export const scryptHasher: PasswordHasher = {
  async hash(password: string): Promise<PasswordHash> {
    const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
    return { salt, key: await derive(password, salt) };
  },
  async verify(password: string, hash: PasswordHash): Promise<boolean> {
    const key = await derive(password, hash.salt);
    const { timingSafeEqual } = await nodeCrypto();
    return timingSafeEqual(key, hash.key);
  },
};

/**
 * The two per-direction keys of a session (docs/protocol.md §7.2), which both sides derive from
 * its grant with HKDF-SHA256 (RFC 5869). Uses `node:crypto`'s synchronous `hkdfSync`:
 * computation, not I/O, so `protocol/` stays pure; reached through `sealing.ts`, not `mod.ts`.
 *
 * @module
 */

import { hkdfSync } from "node:crypto";
import { SESSION_SECRET_SIZE, type SessionGrant, sessionIdBytes } from "./session_grant.ts";

/** Size of each derived key: a ChaCha20-Poly1305 key (RFC 8439 §2.8). */
export const SESSION_KEY_SIZE = 32;
/** HKDF `info` of the client → server key (§7.2). */
export const C2S_KEY_INFO = "kaiwa c2s";
/** HKDF `info` of the server → client key (§7.2). */
export const S2C_KEY_INFO = "kaiwa s2c";

/** The two keys of a session, one per direction. */
export interface SessionKeys {
  /** Seals client → server datagrams. */
  clientToServer: Uint8Array;
  /** Seals server → client events. */
  serverToClient: Uint8Array;
}

/**
 * Derives a session's keys: HKDF-SHA256 with ikm = secret, salt = the session id's 4 bytes, info
 * `"kaiwa c2s"` or `"kaiwa s2c"`, 32 bytes each (§7.2).
 *
 * @throws {RangeError} when the secret is not 32 bytes.
 */
export function deriveSessionKeys(grant: SessionGrant): SessionKeys {
  if (grant.secret.length !== SESSION_SECRET_SIZE) {
    throw new RangeError(
      `Cannot derive session keys: secret of ${grant.secret.length} bytes, need ${SESSION_SECRET_SIZE}`,
    );
  }
  const salt = sessionIdBytes(grant.id);
  const derive = (info: string) =>
    new Uint8Array(hkdfSync("sha256", grant.secret, salt, info, SESSION_KEY_SIZE));
  return { clientToServer: derive(C2S_KEY_INFO), serverToClient: derive(S2C_KEY_INFO) };
}

/**
 * Session grants (docs/protocol.md §7.1): the 36-byte grant the server sends over TLS after a
 * token, a session id and a secret. The keys derived from it are in `session_keys.ts`, which needs
 * `node:crypto`; this module does not, so the server reads session ids without loading it.
 *
 * @module
 */

import { ProtocolError } from "./errors.ts";

/** Size of a session id on the wire: a random u32, unique among the server's live sessions. */
export const SESSION_ID_SIZE = 4;
/** Size of a session secret: 32 random bytes, the HKDF input keying material. */
export const SESSION_SECRET_SIZE = 32;
/** Size of a session grant frame's payload: session id, then secret (§7.1). */
export const SESSION_GRANT_SIZE = SESSION_ID_SIZE + SESSION_SECRET_SIZE;

/** What a session grant carries. */
export interface SessionGrant {
  /** The session id, a u32 (0 to 2^32 − 1). */
  id: number;
  /** 32 secret bytes. */
  secret: Uint8Array;
}

/** The 4 big-endian bytes of a session id. */
export function sessionIdBytes(id: number): Uint8Array {
  return Uint8Array.of(id >>> 24, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff);
}

/**
 * Encodes a grant's payload: session id u32 | secret (32 bytes).
 *
 * @throws {RangeError} when the id is not a u32 or the secret is not 32 bytes.
 */
export function encodeSessionGrant(grant: SessionGrant): Uint8Array {
  if (!Number.isInteger(grant.id) || grant.id < 0 || grant.id > 0xffffffff) {
    throw new RangeError(`Cannot encode session grant: id ${grant.id} is not a u32`);
  }
  if (grant.secret.length !== SESSION_SECRET_SIZE) {
    throw new RangeError(
      `Cannot encode session grant: secret of ${grant.secret.length} bytes, need ${SESSION_SECRET_SIZE}`,
    );
  }
  const out = new Uint8Array(SESSION_GRANT_SIZE);
  out.set(sessionIdBytes(grant.id));
  out.set(grant.secret, SESSION_ID_SIZE);
  return out;
}

/**
 * Decodes a grant's payload; an empty payload is a refusal (null).
 *
 * @throws {ProtocolError} when the payload is neither empty nor 36 bytes.
 */
export function decodeSessionGrant(payload: Uint8Array): SessionGrant | null {
  if (payload.length === 0) return null;
  if (payload.length !== SESSION_GRANT_SIZE) {
    throw new ProtocolError(
      `Cannot decode session grant: ${payload.length} bytes, expected 0 or ${SESSION_GRANT_SIZE}`,
    );
  }
  return { id: readSessionId(payload, 0), secret: payload.slice(SESSION_ID_SIZE) };
}

/** The u32 at `offset` (big-endian); the caller checks that 4 bytes are there. */
export function readSessionId(bytes: Uint8Array, offset: number): number {
  return ((bytes[offset] << 24) | (bytes[offset + 1] << 16) | (bytes[offset + 2] << 8) |
    bytes[offset + 3]) >>> 0;
}

/**
 * Sealing and opening datagrams (docs/protocol.md §7.3): ChaCha20-Poly1305 (RFC 8439) with the
 * 13-byte header (`sealed_header.ts`) as associated data and the nonce `00 00 00 00 | counter`.
 * Uses `node:crypto`'s synchronous AEAD: computation, not I/O, so `protocol/` stays pure; reached
 * through `sealing.ts`, not `mod.ts`.
 *
 * @module
 */

import { createCipheriv, createDecipheriv } from "node:crypto";
import {
  AEAD_TAG_SIZE,
  MAX_SEALED_COUNTER,
  SEALED_COUNTER_OFFSET,
  SEALED_COUNTER_SIZE,
  SEALED_HEADER_SIZE,
  SEALED_MARKER,
  SEALED_OVERHEAD,
} from "./sealed_header.ts";

/** The AEAD, by its `node:crypto` name. */
export const AEAD_ALGORITHM = "chacha20-poly1305";

const NONCE_SIZE = 12;
const NONCE_COUNTER_OFFSET = NONCE_SIZE - SEALED_COUNTER_SIZE;
const TWO_TO_32 = 2 ** 32;
/** Reused for every nonce: `createCipheriv` copies it. */
const nonce = new Uint8Array(NONCE_SIZE);
const AEAD_OPTIONS = { authTagLength: AEAD_TAG_SIZE } as const;

/**
 * Seals `plaintext` under `key` (32 bytes) as session `sessionId`'s datagram number `counter`.
 * The caller never uses a counter twice with one key.
 *
 * @throws {RangeError} when the counter is not 0 to {@linkcode MAX_SEALED_COUNTER}.
 */
export function sealDatagram(
  key: Uint8Array,
  sessionId: number,
  counter: number,
  plaintext: Uint8Array,
): Uint8Array {
  if (!Number.isInteger(counter) || counter < 0 || counter > MAX_SEALED_COUNTER) {
    throw new RangeError(`Cannot seal datagram: counter ${counter} is out of range`);
  }
  const out = new Uint8Array(SEALED_OVERHEAD + plaintext.length);
  const view = new DataView(out.buffer);
  out[0] = SEALED_MARKER;
  view.setUint32(1, sessionId);
  view.setUint32(SEALED_COUNTER_OFFSET, Math.floor(counter / TWO_TO_32));
  view.setUint32(SEALED_COUNTER_OFFSET + 4, counter >>> 0);
  nonce.set(out.subarray(SEALED_COUNTER_OFFSET, SEALED_HEADER_SIZE), NONCE_COUNTER_OFFSET);
  const cipher = createCipheriv(AEAD_ALGORITHM, key, nonce, AEAD_OPTIONS);
  // `plaintextLength` matters to CCM only; the typings of the AEAD overload ask for it.
  cipher.setAAD(out.subarray(0, SEALED_HEADER_SIZE), { plaintextLength: plaintext.length });
  out.set(cipher.update(plaintext), SEALED_HEADER_SIZE);
  cipher.final();
  out.set(cipher.getAuthTag(), SEALED_HEADER_SIZE + plaintext.length);
  return out;
}

/**
 * Opens a sealed datagram whose header was read (and checked against the replay window) with
 * {@linkcode readSealedHeader}: the plaintext, or null when the tag does not authenticate the
 * header and ciphertext under `key` (a forgery, a tampered or truncated datagram, another key).
 */
export function openSealed(key: Uint8Array, bytes: Uint8Array): Uint8Array | null {
  const tagStart = bytes.length - AEAD_TAG_SIZE;
  nonce.set(bytes.subarray(SEALED_COUNTER_OFFSET, SEALED_HEADER_SIZE), NONCE_COUNTER_OFFSET);
  const decipher = createDecipheriv(AEAD_ALGORITHM, key, nonce, AEAD_OPTIONS);
  decipher.setAAD(bytes.subarray(0, SEALED_HEADER_SIZE), {
    plaintextLength: tagStart - SEALED_HEADER_SIZE,
  });
  decipher.setAuthTag(bytes.subarray(tagStart));
  const plaintext = decipher.update(bytes.subarray(SEALED_HEADER_SIZE, tagStart));
  try {
    decipher.final();
  } catch {
    return null;
  }
  return new Uint8Array(plaintext.buffer, plaintext.byteOffset, plaintext.length);
}

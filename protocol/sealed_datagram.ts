/**
 * Sealed datagrams (docs/protocol.md §7.3): `00 | session id u32 | counter u64 | ciphertext |
 * tag (16)`, ChaCha20-Poly1305 (RFC 8439) with the 13-byte header as associated data and the
 * nonce `00 00 00 00 | counter`. The first byte 0x00 is never the first byte of a standard
 * datagram (its RoomNameSize is at least 1), so one UDP port serves both. Uses `node:crypto`'s
 * synchronous AEAD: computation, not I/O, so `protocol/` stays pure.
 *
 * @module
 */

import { createCipheriv, createDecipheriv } from "node:crypto";
import { TruncatedError } from "./errors.ts";
import { readSessionId, SESSION_ID_SIZE } from "./session_keys.ts";

/** First byte of every sealed datagram, both directions. */
export const SEALED_MARKER = 0x00;
/** Size of the counter field: a u64, big-endian. */
export const SEALED_COUNTER_SIZE = 8;
/** Marker, session id, counter: the associated data (§7.3). */
export const SEALED_HEADER_SIZE = 1 + SESSION_ID_SIZE + SEALED_COUNTER_SIZE;
/** Size of the Poly1305 tag (RFC 8439 §2.8). */
export const AEAD_TAG_SIZE = 16;
/** Bytes a sealed datagram adds to its plaintext: 29. */
export const SEALED_OVERHEAD = SEALED_HEADER_SIZE + AEAD_TAG_SIZE;
/**
 * Highest counter kaiwa sends or accepts: 2^53 − 1, so that it stays an exact JavaScript
 * number; the wire field is a u64 whose top 11 bits are then zero. Never reached in practice.
 */
export const MAX_SEALED_COUNTER = Number.MAX_SAFE_INTEGER;
/** The AEAD, by its `node:crypto` name. */
export const AEAD_ALGORITHM = "chacha20-poly1305";

const NONCE_SIZE = 12;
const NONCE_COUNTER_OFFSET = NONCE_SIZE - SEALED_COUNTER_SIZE;
const COUNTER_OFFSET = 1 + SESSION_ID_SIZE;
const TWO_TO_32 = 2 ** 32;
/** Reused for every nonce: `createCipheriv` copies it. */
const nonce = new Uint8Array(NONCE_SIZE);
const AEAD_OPTIONS = { authTagLength: AEAD_TAG_SIZE } as const;

/** The clear header of a sealed datagram. */
export interface SealedHeader {
  /** The session id. */
  sessionId: number;
  /** The sender's counter, 0 to {@linkcode MAX_SEALED_COUNTER}. */
  counter: number;
}

/** True when `bytes` is a sealed datagram by its first byte (it may still be malformed). */
export function isSealed(bytes: Uint8Array): boolean {
  return bytes.length > 0 && bytes[0] === SEALED_MARKER;
}

/**
 * Reads a sealed datagram's header without opening it.
 *
 * @throws {TruncatedError} when it is shorter than header and tag (29 bytes), does not start with
 * 0x00, or carries a counter over {@linkcode MAX_SEALED_COUNTER}.
 */
export function readSealedHeader(bytes: Uint8Array): SealedHeader {
  if (bytes.length < SEALED_OVERHEAD || bytes[0] !== SEALED_MARKER) {
    throw new TruncatedError(
      `Cannot read sealed datagram: ${bytes.length} bytes, need ${SEALED_OVERHEAD} from 0x00`,
    );
  }
  const high = readSessionId(bytes, COUNTER_OFFSET);
  const counter = high * TWO_TO_32 + readSessionId(bytes, COUNTER_OFFSET + 4);
  if (counter > MAX_SEALED_COUNTER) {
    throw new TruncatedError(`Cannot read sealed datagram: counter ${counter} is out of range`);
  }
  return { sessionId: readSessionId(bytes, 1), counter };
}

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
  view.setUint32(COUNTER_OFFSET, Math.floor(counter / TWO_TO_32));
  view.setUint32(COUNTER_OFFSET + 4, counter >>> 0);
  nonce.set(out.subarray(COUNTER_OFFSET, SEALED_HEADER_SIZE), NONCE_COUNTER_OFFSET);
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
  nonce.set(bytes.subarray(COUNTER_OFFSET, SEALED_HEADER_SIZE), NONCE_COUNTER_OFFSET);
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

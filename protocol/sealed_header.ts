/**
 * The clear part of a sealed datagram (docs/protocol.md §7.3): `00 | session id u32 | counter u64`
 * before the ciphertext and its 16-byte tag. The first byte 0x00 is never the first byte of a
 * standard datagram (its RoomNameSize is at least 1), so one UDP port serves both. No
 * `node:crypto` here: the server tells and routes sealed datagrams without the AEAD, which
 * `sealed_datagram.ts` implements.
 *
 * @module
 */

import { TruncatedError } from "./errors.ts";
import { readSessionId, SESSION_ID_SIZE } from "./session_grant.ts";

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
/** Where the counter starts: after the marker and the session id. */
export const SEALED_COUNTER_OFFSET = 1 + SESSION_ID_SIZE;
const TWO_TO_32 = 2 ** 32;

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
  const high = readSessionId(bytes, SEALED_COUNTER_OFFSET);
  const counter = high * TWO_TO_32 + readSessionId(bytes, SEALED_COUNTER_OFFSET + 4);
  if (counter > MAX_SEALED_COUNTER) {
    throw new TruncatedError(`Cannot read sealed datagram: counter ${counter} is out of range`);
  }
  return { sessionId: readSessionId(bytes, 1), counter };
}

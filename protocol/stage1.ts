/**
 * The Stage 1 datagram (docs/protocol.md §5), the protocol's first version that old clients
 * still speak: usernamelen u8 | username | message, 4096 bytes at most.
 *
 * @module
 */

import { MAX_DATAGRAM_SIZE, MAX_NAME_BYTES } from "./constants.ts";
import { ProtocolError, SizeLimitError, TruncatedError } from "./errors.ts";
import { encodeUtf8 } from "./utf8.ts";

/** The parts of a Stage 1 datagram, as views into the received bytes. */
export interface Stage1Datagram {
  /** The sender's name, UTF-8. */
  username: Uint8Array;
  /** The message, UTF-8. */
  message: Uint8Array;
}

/**
 * Encodes a Stage 1 datagram.
 *
 * @throws {RangeError} when the username is empty or over 255 bytes, or the datagram would
 * exceed 4096 bytes.
 *
 * @example
 * ```ts
 * encodeStage1Datagram("ann", "hi"); // Uint8Array [3, 97, 110, 110, 104, 105]
 * ```
 */
export function encodeStage1Datagram(username: string, message: string): Uint8Array {
  const name = encodeUtf8(username);
  const text = encodeUtf8(message);
  if (name.length === 0 || name.length > MAX_NAME_BYTES) {
    throw new RangeError(
      `Cannot encode Stage 1 datagram: username of ${name.length} bytes must be 1 to ${MAX_NAME_BYTES}`,
    );
  }
  if (1 + name.length + text.length > MAX_DATAGRAM_SIZE) {
    throw new RangeError(
      `Cannot encode Stage 1 datagram: ${
        1 + name.length + text.length
      } bytes exceeds ${MAX_DATAGRAM_SIZE}`,
    );
  }
  const out = new Uint8Array(1 + name.length + text.length);
  out[0] = name.length;
  out.set(name, 1);
  out.set(text, 1 + name.length);
  return out;
}

/**
 * Splits a Stage 1 datagram without copying.
 *
 * @throws {SizeLimitError} when it exceeds 4096 bytes.
 * @throws {TruncatedError} when it ends before its declared username does.
 * @throws {ProtocolError} when the username is empty.
 */
export function parseStage1Datagram(bytes: Uint8Array): Stage1Datagram {
  if (bytes.length > MAX_DATAGRAM_SIZE) {
    throw new SizeLimitError(
      `Cannot decode Stage 1 datagram: ${bytes.length} bytes exceeds ${MAX_DATAGRAM_SIZE}`,
    );
  }
  if (bytes.length === 0) throw new TruncatedError("Cannot decode Stage 1 datagram: it is empty");
  const nameEnd = 1 + bytes[0];
  if (bytes[0] === 0) {
    throw new ProtocolError("Cannot decode Stage 1 datagram: the username is empty");
  }
  if (nameEnd > bytes.length) {
    throw new TruncatedError(
      `Cannot decode Stage 1 datagram: got ${bytes.length} bytes, the username needs ${nameEnd}`,
    );
  }
  return { username: bytes.subarray(1, nameEnd), message: bytes.subarray(nameEnd) };
}

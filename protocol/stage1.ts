/**
 * The Stage 1 datagram (docs/protocol.md §5), the protocol's first version that old clients
 * still speak: usernamelen u8 | username | message, 4096 bytes at most.
 *
 * @module
 */

import { MAX_DATAGRAM_SIZE, MAX_NAME_BYTES } from "./constants.ts";
import { ProtocolError, SizeLimitError, TruncatedError } from "./errors.ts";
import { neutralizeText } from "./text_safety.ts";
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
  return joinStage1(name, text);
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

/**
 * The datagram as it may go to Stage 1 clients, which print what they receive: its username and
 * message neutralised as text for standard clients is (docs/protocol.md §3.3: CR, LF, ESC and
 * the other controls become U+FFFD, bidi controls are dropped, invalid UTF-8 is replaced).
 * Returns `bytes` itself, not a copy, when nothing needed changing (the common case); a new
 * datagram otherwise; null when the neutralised datagram is no valid Stage 1 datagram (a
 * username that becomes empty or over 255 bytes, a datagram over 4096 bytes).
 *
 * @throws {SizeLimitError | TruncatedError | ProtocolError} as {@linkcode parseStage1Datagram}.
 */
export function neutralizeStage1Datagram(bytes: Uint8Array): Uint8Array | null {
  const { username, message } = parseStage1Datagram(bytes);
  const name = neutralizeText(username);
  const text = neutralizeText(message);
  if (name === username && text === message) return bytes;
  if (name.length === 0 || name.length > MAX_NAME_BYTES) return null;
  if (1 + name.length + text.length > MAX_DATAGRAM_SIZE) return null;
  return joinStage1(name, text);
}

/** usernamelen | name | text, the lengths already checked. */
function joinStage1(name: Uint8Array, text: Uint8Array): Uint8Array {
  const out = new Uint8Array(1 + name.length + text.length);
  out[0] = name.length;
  out.set(name, 1);
  out.set(text, 1 + name.length);
  return out;
}

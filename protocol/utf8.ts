/**
 * Strict UTF-8 conversion. Every text on the wire is UTF-8; invalid bytes are an error, never
 * silently replaced, so that what a server relays is exactly what it validated.
 *
 * @module
 */

import { InvalidTextError } from "./errors.ts";

const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF as text: the protocol has no byte-order marks to strip.
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * Encodes text as UTF-8.
 *
 * @example
 * ```ts
 * encodeUtf8("会話").length; // 6
 * ```
 */
export function encodeUtf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/**
 * Decodes UTF-8 strictly.
 *
 * @param what names the field in the error message, e.g. "room name".
 * @throws {InvalidTextError} when the bytes are not valid UTF-8.
 */
export function decodeUtf8(bytes: Uint8Array, what: string): string {
  try {
    return strictDecoder.decode(bytes);
  } catch (cause) {
    throw new InvalidTextError(`Cannot decode ${what}: not valid UTF-8`, { cause });
  }
}

/** Code units below these take 1 or 2 bytes in UTF-8; a surrogate pair takes 4, the rest 3. */
const ONE_BYTE_END = 0x80;
const TWO_BYTES_END = 0x800;
const HIGH_SURROGATE_FIRST = 0xd800;
const HIGH_SURROGATE_LAST = 0xdbff;
const LOW_SURROGATE_FIRST = 0xdc00;
const LOW_SURROGATE_LAST = 0xdfff;
const SURROGATE_PAIR_BYTES = 4;
const THREE_BYTES = 3;

/**
 * The length of `text` in UTF-8, as {@link encodeUtf8} would make it (a lone surrogate counts as
 * U+FFFD, 3 bytes), without encoding it: the server sizes name lists with it on every flush.
 *
 * @example
 * ```ts
 * utf8Length("会話 ok"); // 9
 * ```
 */
export function utf8Length(text: string): number {
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < ONE_BYTE_END) {
      length += 1;
    } else if (code < TWO_BYTES_END) {
      length += 2;
    } else if (code >= HIGH_SURROGATE_FIRST && code <= HIGH_SURROGATE_LAST) {
      const next = text.charCodeAt(i + 1);
      if (next >= LOW_SURROGATE_FIRST && next <= LOW_SURROGATE_LAST) {
        length += SURROGATE_PAIR_BYTES;
        i += 1;
      } else {
        length += THREE_BYTES;
      }
    } else {
      length += THREE_BYTES;
    }
  }
  return length;
}

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

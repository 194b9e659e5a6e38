/**
 * The naming rules for room names and usernames (docs/protocol.md §1.2): 1 to 255 bytes of valid
 * UTF-8 with no control characters and no bidirectional controls, so that a name can never move
 * a terminal's cursor, recolour it, or reorder the text around it.
 *
 * @module
 */

import { MAX_NAME_BYTES } from "./constants.ts";
import { InvalidTextError } from "./errors.ts";
import { decodeUtf8, encodeUtf8 } from "./utf8.ts";

// C0, DEL and C1 controls; the line and paragraph separators, which end lines in some terminals.
// deno-lint-ignore no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
// Bidi embeddings, overrides, isolates and marks: they reorder what is displayed around them.
const BIDI_CONTROL = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/u;

/**
 * Checks a name against the naming rules and returns it unchanged.
 *
 * @param what names the field in the error message, e.g. "username".
 * @throws {InvalidTextError} when the name breaks a rule.
 *
 * @example
 * ```ts
 * validateName("さくら", "username"); // "さくら"
 * ```
 */
export function validateName(name: string, what: string): string {
  return checkRules(name, encodeUtf8(name).length, what);
}

/**
 * Decodes a name from its UTF-8 bytes and checks it against the naming rules.
 *
 * @throws {InvalidTextError} when the bytes are not valid UTF-8 or the name breaks a rule.
 */
export function decodeName(bytes: Uint8Array, what: string): string {
  return checkRules(decodeUtf8(bytes, what), bytes.length, what);
}

function checkRules(name: string, byteLength: number, what: string): string {
  if (byteLength === 0) {
    throw new InvalidTextError(`Invalid ${what}: it is empty`);
  }
  if (byteLength > MAX_NAME_BYTES) {
    throw new InvalidTextError(
      `Invalid ${what}: ${byteLength} bytes exceeds ${MAX_NAME_BYTES}`,
    );
  }
  if (CONTROL.test(name)) {
    throw new InvalidTextError(`Invalid ${what}: it contains a control character`);
  }
  if (BIDI_CONTROL.test(name)) {
    throw new InvalidTextError(`Invalid ${what}: it contains a bidirectional control character`);
  }
  return name;
}

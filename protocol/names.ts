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

const DELETE = 0x7f;
const C1_LAST = 0x9f;
const LINE_SEPARATOR = 0x2028;
const PARAGRAPH_SEPARATOR = 0x2029;

/**
 * True for C0 controls, DEL, C1 controls and the line and paragraph separators, which end lines
 * in some terminals (§1.2).
 */
export function isControlCharacter(code: number): boolean {
  return code < 0x20 || (code >= DELETE && code <= C1_LAST) || code === LINE_SEPARATOR ||
    code === PARAGRAPH_SEPARATOR;
}

/**
 * True for the bidirectional embeddings, overrides, isolates and marks (U+202A–202E,
 * U+2066–2069, U+200E, U+200F, U+061C), which reorder what is displayed around them (§1.2).
 */
export function isBidiControl(code: number): boolean {
  return (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069) ||
    code === 0x200e || code === 0x200f || code === 0x061c;
}

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
  // A lone surrogate (from a JSON escape such as "\ud800") has no UTF-8 form: distinct names
  // would collapse into the same U+FFFD bytes on the wire.
  if (!name.isWellFormed()) {
    throw new InvalidTextError(`Invalid ${what}: it is not valid Unicode`);
  }
  // Every character these rules forbid is in the BMP, so UTF-16 code units are enough.
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (isControlCharacter(code)) {
      throw new InvalidTextError(`Invalid ${what}: it contains a control character`);
    }
    if (isBidiControl(code)) {
      throw new InvalidTextError(`Invalid ${what}: it contains a bidirectional control character`);
    }
  }
  return name;
}

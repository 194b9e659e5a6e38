/**
 * The naming rules for room names and usernames (docs/protocol.md §1.2): 1 to 255 bytes of valid
 * UTF-8 with no control characters and no bidirectional controls, so that a name can never move
 * a terminal's cursor, recolour it, or reorder the text around it.
 *
 * @module
 */

import { isBidiControl, isControlCharacter } from "./characters.ts";
import { MAX_NAME_BYTES } from "./constants.ts";
import { InvalidTextError } from "./errors.ts";
import { decodeUtf8, encodeUtf8 } from "./utf8.ts";

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

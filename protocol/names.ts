/**
 * The naming rules for room names and usernames (docs/protocol.md §1.2): 1 to 255 bytes of valid
 * UTF-8 with no control characters and no bidirectional controls, so that a name can never move
 * a terminal's cursor, recolour it, or reorder the text around it; and in one canonical form,
 * NFC, with nothing invisible in it, so that two names that look the same are the same name.
 *
 * A name is checked and canonicalised when it is decoded: whatever stores or compares names
 * afterwards only ever sees canonical ones.
 *
 * @module
 */

import { isBidiControl, isControlCharacter } from "./characters.ts";
import { MAX_NAME_BYTES } from "./constants.ts";
import { InvalidTextError } from "./errors.ts";
import { visibilityProblem } from "./name_visibility.ts";
import { decodeUtf8, encodeUtf8 } from "./utf8.ts";

/** Unicode Normalization Form C (UAX #15): the one form names are compared and stored in. */
const CANONICAL_FORM = "NFC";

/**
 * The canonical form of a name, NFC, without checking the rules: for a client that lets the
 * server judge a name but must know it as the server will (to recognise its own messages).
 *
 * @example
 * ```ts
 * canonicalName("Jose\u0301"); // "José", U+00E9
 * ```
 */
export function canonicalName(name: string): string {
  return name.normalize(CANONICAL_FORM);
}

/**
 * Checks a name against the naming rules and returns its canonical (NFC) form.
 *
 * @param what names the field in the error message, e.g. "username".
 * @throws {InvalidTextError} when the name breaks a rule.
 *
 * @example
 * ```ts
 * validateName("さくら", "username"); // "さくら"
 * validateName("Jose\u0301", "username"); // "José", U+00E9
 * ```
 */
export function validateName(name: string, what: string): string {
  return checkRules(name, encodeUtf8(name).length, what);
}

/**
 * Decodes a name from its UTF-8 bytes, checks it against the naming rules and returns its
 * canonical (NFC) form.
 *
 * @throws {InvalidTextError} when the bytes are not valid UTF-8 or the name breaks a rule.
 */
export function decodeName(bytes: Uint8Array, what: string): string {
  return checkRules(decodeUtf8(bytes, what), bytes.length, what);
}

/**
 * True when `bytes` are UTF-8 for `name` in some normalisation form: how a datagram that names
 * its room as its client typed it (in NFD, say) matches the canonical name the room was stored
 * under. False for bytes that are not UTF-8. For the rare datagram whose bytes differ from the
 * stored ones: it decodes and normalises.
 */
export function isFormOfName(bytes: Uint8Array, name: string): boolean {
  let text: string;
  try {
    text = decodeUtf8(bytes, "name");
  } catch {
    return false;
  }
  return canonicalName(text) === name;
}

function checkRules(name: string, receivedBytes: number, what: string): string {
  checkLength(receivedBytes, what);
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
  const canonical = canonicalName(name);
  // NFC can be longer than what was sent (U+0958 becomes two characters): the canonical name is
  // what goes on the wire in one-byte length fields from now on, so it must fit as well.
  if (canonical !== name) checkLength(encodeUtf8(canonical).length, `${what} in NFC`);
  const problem = visibilityProblem(canonical);
  if (problem !== null) throw new InvalidTextError(`Invalid ${what}: ${problem}`);
  return canonical;
}

function checkLength(byteLength: number, what: string): void {
  if (byteLength === 0) {
    throw new InvalidTextError(`Invalid ${what}: it is empty`);
  }
  if (byteLength > MAX_NAME_BYTES) {
    throw new InvalidTextError(`Invalid ${what}: ${byteLength} bytes exceeds ${MAX_NAME_BYTES}`);
  }
}

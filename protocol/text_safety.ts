/**
 * Neutralising text for standard clients (docs/protocol.md §3.3). A standard client prints what
 * it receives, so a message carrying CR LF could forge a line from another sender, and an ESC
 * sequence could act on the reader's terminal (OSC 52 writes the clipboard). Before text goes to
 * them:
 * - every C0 control but TAB, DEL, every C1 control, U+2028 and U+2029 becomes U+FFFD;
 * - bidirectional controls are dropped, as kaiwa's own client drops them on display;
 * - each invalid UTF-8 sequence becomes U+FFFD (the WHATWG decoder's "maximal subpart" rule).
 *
 * The server encodes a relayed message once for all its standard recipients, so the check is a
 * single byte scan that returns its input when nothing needs changing, and allocates only when
 * something does.
 *
 * @module
 */

import { isBidiControl, isControlCharacter } from "./characters.ts";
import { encodeUtf8 } from "./utf8.ts";

/** What a control character or an invalid byte sequence becomes. */
export const REPLACEMENT_CHARACTER = "\uFFFD";

/** Kept: it only moves to the next tab stop on the same line, as spaces could. */
const TAB = 0x09;
const ASCII_PRINTABLE_FIRST = 0x20;
const DELETE = 0x7f;
const NON_ASCII_FIRST = 0x80;
const CONTINUATION_MASK = 0xc0;
const CONTINUATION_TAG = 0x80;
const CONTINUATION_LAST = 0xbf;
const CONTINUATION_BITS = 6;
/** The payload bits of a lead byte, by sequence length (Unicode §3.9 Table 3-6). */
const LEAD_PAYLOAD_MASK = [0, 0x7f, 0x1f, 0x0f, 0x07];
// The bounds of well-formed UTF-8, Unicode §3.9 Table 3-7.
const TWO_BYTE_FIRST = 0xc2;
const THREE_BYTE_FIRST = 0xe0;
const FOUR_BYTE_FIRST = 0xf0;
const FOUR_BYTE_LAST = 0xf4;
const SURROGATE_LEAD = 0xed;

/** Decodes invalid sequences to U+FFFD instead of throwing; keeps a leading U+FEFF as text. */
const lenientDecoder = new TextDecoder("utf-8", { ignoreBOM: true });

/**
 * The text with controls replaced, bidi controls dropped and invalid UTF-8 replaced; `text`
 * itself, not a copy, when nothing needed changing (the common case, and allocation-free).
 *
 * @example
 * ```ts
 * const te = new TextEncoder();
 * new TextDecoder().decode(neutralizeText(te.encode("hi\r\nalice: forged"))); // "hi��alice: forged"
 * ```
 */
export function neutralizeText(text: Uint8Array): Uint8Array {
  if (isNeutralBytes(text)) return text;
  return encodeUtf8(neutralizeString(lenientDecoder.decode(text)));
}

/**
 * The string form of {@link neutralizeText}, for text that is already a string (notices); the
 * string itself when nothing needed changing. A lone surrogate is left to the UTF-8 encoder,
 * which writes it as U+FFFD.
 */
export function neutralizeString(text: string): string {
  let out: string | null = null;
  let copied = 0;
  // Every character to neutralise is in the BMP, so UTF-16 code units are enough.
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === TAB) continue;
    const bidi = isBidiControl(code);
    if (!bidi && !isControlCharacter(code)) continue;
    out = (out ?? "") + text.slice(copied, i) + (bidi ? "" : REPLACEMENT_CHARACTER);
    copied = i + 1;
  }
  return out === null ? text : out + text.slice(copied);
}

/** True when `bytes` are well-formed UTF-8 with no character {@link neutralizeText} changes. */
function isNeutralBytes(bytes: Uint8Array): boolean {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i];
    if (lead < NON_ASCII_FIRST) {
      if ((lead < ASCII_PRINTABLE_FIRST && lead !== TAB) || lead === DELETE) return false;
      i += 1;
      continue;
    }
    const length = sequenceLength(bytes, i);
    if (length === 0) return false;
    const code = codePointAt(bytes, i, length);
    if (isControlCharacter(code) || isBidiControl(code)) return false;
    i += length;
  }
  return true;
}

/**
 * True when `bytes` are well-formed UTF-8 (Unicode §3.9), as a fatal `TextDecoder` would accept
 * them, checked without making a string: the relay validates every chat text it forwards.
 *
 * @example
 * ```ts
 * isWellFormedUtf8(Uint8Array.of(0xe4, 0xbc, 0x9a)); // true ("会")
 * isWellFormedUtf8(Uint8Array.of(0xc0, 0x80)); // false (overlong)
 * ```
 */
export function isWellFormedUtf8(bytes: Uint8Array): boolean {
  let i = 0;
  while (i < bytes.length) {
    if (bytes[i] < NON_ASCII_FIRST) {
      i += 1;
      continue;
    }
    const length = sequenceLength(bytes, i);
    if (length === 0) return false;
    i += length;
  }
  return true;
}

/** The length of the well-formed UTF-8 sequence at `i` (lead ≥ 0x80), or 0 if it is not one. */
function sequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i];
  let length: number;
  let secondMin = CONTINUATION_TAG;
  let secondMax = CONTINUATION_LAST;
  if (lead < TWO_BYTE_FIRST) return 0; // a lone continuation byte, or an overlong C0 or C1
  if (lead < THREE_BYTE_FIRST) {
    length = 2;
  } else if (lead < FOUR_BYTE_FIRST) {
    length = 3;
    if (lead === THREE_BYTE_FIRST) secondMin = 0xa0; // overlong
    if (lead === SURROGATE_LEAD) secondMax = 0x9f; // U+D800–DFFF
  } else if (lead <= FOUR_BYTE_LAST) {
    length = 4;
    if (lead === FOUR_BYTE_FIRST) secondMin = 0x90; // overlong
    if (lead === FOUR_BYTE_LAST) secondMax = 0x8f; // above U+10FFFF
  } else {
    return 0;
  }
  if (i + length > bytes.length) return 0;
  const second = bytes[i + 1];
  if (second < secondMin || second > secondMax) return 0;
  for (let k = 2; k < length; k++) {
    if ((bytes[i + k] & CONTINUATION_MASK) !== CONTINUATION_TAG) return 0;
  }
  return length;
}

/** The code point of the well-formed sequence of `length` bytes at `i`. */
function codePointAt(bytes: Uint8Array, i: number, length: number): number {
  let code = bytes[i] & LEAD_PAYLOAD_MASK[length];
  for (let k = 1; k < length; k++) {
    code = (code << CONTINUATION_BITS) | (bytes[i + k] & ~CONTINUATION_MASK);
  }
  return code;
}

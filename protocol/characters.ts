/**
 * The characters that must never reach a terminal as they are, because they act instead of
 * showing: controls (which move the cursor, end lines or start escape sequences) and
 * bidirectional controls (which reorder the text around them). Names refuse them (§1.2); text
 * relayed to standard clients has them neutralised (§3.3); kaiwa's client sanitises them on
 * display.
 *
 * @module
 */

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

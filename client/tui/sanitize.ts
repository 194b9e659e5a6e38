/**
 * Makes untrusted text safe to write to a terminal, and cleans what the user types or pastes.
 *
 * Policy, for text from other people ({@link sanitizeForTerminal}):
 * - a whole escape sequence (7-bit `ESC …` or 8-bit C1 introducer: CSI, OSC, DCS, SOS, PM, APC,
 *   and two- or three-byte `ESC` sequences) becomes ONE {@link CONTROL_PLACEHOLDER}, so a hostile
 *   `ESC[2J` or an OSC 52 clipboard write shows as a single `�` instead of acting;
 * - any other C0 control, DEL, C1 control, U+2028/U+2029 or lone surrogate becomes a placeholder;
 * - a tab becomes one space (its width would depend on the column);
 * - bidi embedding, override, isolate and mark characters (U+202A–202E, U+2066–2069, U+200E,
 *   U+200F, U+061C) are DROPPED: they are invisible anyway, and keeping them would let one message
 *   reorder the rest of the line (the sender name, the time) on terminals that apply bidi.
 *
 * @module
 */

import { isBidiControl, isControlCharacter } from "../../protocol/mod.ts";

/** What a control character or escape sequence is shown as: U+FFFD REPLACEMENT CHARACTER. */
export const CONTROL_PLACEHOLDER = "\uFFFD";

const TAB = 0x09;
const LINE_FEED = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const BELL = 0x07;
const ESC = 0x1b;
const C1_FIRST = 0x80;
const C1_LAST = 0x9f;
const C1_DCS = 0x90;
const C1_SOS = 0x98;
const C1_CSI = 0x9b;
const C1_ST = 0x9c;
const C1_OSC = 0x9d;
const C1_PM = 0x9e;
const C1_APC = 0x9f;
const BACKSLASH = 0x5c;
const HIGH_SURROGATE_FIRST = 0xd800;
const LOW_SURROGATE_FIRST = 0xdc00;
const LOW_SURROGATE_LAST = 0xdfff;

/** 7-bit introducers (the byte after ESC) of sequences that run until a string terminator. */
const STRING_INTRODUCERS = new Set([
  0x5d, /* ] OSC */
  0x50, /* P DCS */
  0x58, /* X SOS */
  0x5e, /* ^ PM */
  0x5f, /* _ APC */
]);
/** 8-bit introducers of the same string sequences. */
const C1_STRING_INTRODUCERS = new Set([C1_OSC, C1_DCS, C1_SOS, C1_PM, C1_APC]);

/** True when no character needs attention, so the text is returned unchanged (fast path). */
function isSafe(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (
      isControlCharacter(code) || isBidiControl(code) ||
      (code >= HIGH_SURROGATE_FIRST && code <= LOW_SURROGATE_LAST)
    ) {
      return false;
    }
  }
  return true;
}

/** Index just after a CSI whose parameters start at `from`, or -1 when it is malformed or cut. */
function csiEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x3f) i++;
  while (i < text.length && text.charCodeAt(i) >= 0x20 && text.charCodeAt(i) <= 0x2f) i++;
  const final = text.charCodeAt(i);
  return final >= 0x40 && final <= 0x7e ? i + 1 : -1;
}

/** Index just after the terminator (BEL, ST or ESC \) of a string sequence, or -1 if none. */
function stringSequenceEnd(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === BELL || code === C1_ST) return i + 1;
    if (code === ESC && text.charCodeAt(i + 1) === BACKSLASH) return i + 2;
  }
  return -1;
}

/**
 * Index just after the escape sequence starting at `start` (which holds ESC or a C1 introducer).
 * A malformed or unterminated sequence ends after its introducer: what follows is then shown
 * (sanitised), rather than silently swallowing the rest of the message.
 */
function escapeSequenceEnd(text: string, start: number): number {
  const first = text.charCodeAt(start);
  if (first === C1_CSI) return Math.max(csiEnd(text, start + 1), start + 1);
  if (C1_STRING_INTRODUCERS.has(first)) {
    return Math.max(stringSequenceEnd(text, start + 1), start + 1);
  }
  const second = text.charCodeAt(start + 1);
  if (second === 0x5b /* [ */) return Math.max(csiEnd(text, start + 2), start + 2);
  if (STRING_INTRODUCERS.has(second)) {
    return Math.max(stringSequenceEnd(text, start + 2), start + 2);
  }
  if (second >= 0x20 && second <= 0x2f) {
    // nF sequence such as ESC ( B: intermediates, then one final byte.
    let i = start + 1;
    while (i < text.length && text.charCodeAt(i) >= 0x20 && text.charCodeAt(i) <= 0x2f) i++;
    const final = text.charCodeAt(i);
    return final >= 0x30 && final <= 0x7e ? i + 1 : i;
  }
  // Two-byte sequences such as ESC c (full reset) or ESC 7; anything else ends at the ESC itself.
  return second >= 0x30 && second <= 0x7e ? start + 2 : start + 1;
}

/** Length (1 or 2) of a well-formed surrogate pair at `index`, or 0 for a lone surrogate. */
function surrogatePairLength(text: string, index: number): number {
  const code = text.charCodeAt(index);
  if (code >= LOW_SURROGATE_FIRST) return 0;
  const next = text.charCodeAt(index + 1);
  return next >= LOW_SURROGATE_FIRST && next <= LOW_SURROGATE_LAST ? 2 : 0;
}

/**
 * Returns `text` with nothing that a terminal would act on: escape sequences and controls become
 * {@link CONTROL_PLACEHOLDER}, tabs a space, bidi controls are removed (see the module doc).
 * The result is one line: line breaks are controls too.
 *
 * @example
 * ```ts
 * sanitizeForTerminal("hi\x1b[2J there"); // "hi\uFFFD there"
 * ```
 */
export function sanitizeForTerminal(text: string): string {
  if (isSafe(text)) return text;
  let out = "";
  let runStart = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    let replacement: string;
    let next: number;
    if (code === ESC || (code >= C1_FIRST && code <= C1_LAST)) {
      replacement = CONTROL_PLACEHOLDER;
      next = code === ESC || code === C1_CSI || C1_STRING_INTRODUCERS.has(code)
        ? escapeSequenceEnd(text, i)
        : i + 1;
    } else if (code === TAB) {
      replacement = " ";
      next = i + 1;
    } else if (isControlCharacter(code)) {
      replacement = CONTROL_PLACEHOLDER;
      next = i + 1;
    } else if (isBidiControl(code)) {
      replacement = "";
      next = i + 1;
    } else if (code >= HIGH_SURROGATE_FIRST && code <= LOW_SURROGATE_LAST) {
      const pair = surrogatePairLength(text, i);
      if (pair === 2) {
        i += 2;
        continue;
      }
      replacement = CONTROL_PLACEHOLDER;
      next = i + 1;
    } else {
      i++;
      continue;
    }
    out += text.slice(runStart, i) + replacement;
    i = next;
    runStart = next;
  }
  return out + text.slice(runStart);
}

/**
 * Cleans text the user typed or pasted before it enters the input line: line breaks and tabs
 * become a space (a chat message is one line), other controls, bidi controls and lone surrogates
 * are dropped. Unlike {@link sanitizeForTerminal} nothing visible is added: this is the user's
 * own text, and a placeholder would be sent to the room.
 *
 * @example
 * ```ts
 * sanitizeInput("one\r\ntwo\x07"); // "one two"
 * ```
 */
export function sanitizeInput(text: string): string {
  if (isSafe(text)) return text;
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === CARRIAGE_RETURN && text.charCodeAt(i + 1) === LINE_FEED) continue;
    if (code === TAB || code === LINE_FEED || code === CARRIAGE_RETURN) {
      out += " ";
    } else if (code >= HIGH_SURROGATE_FIRST && code <= LOW_SURROGATE_LAST) {
      if (surrogatePairLength(text, i) === 2) {
        out += text.slice(i, i + 2);
        i++;
      }
    } else if (!isControlCharacter(code) && !isBidiControl(code)) {
      out += text[i];
    }
  }
  return out;
}

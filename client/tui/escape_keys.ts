/**
 * The escape sequences terminals send for keys (xterm, VT100 application mode, rxvt, Linux
 * console), decoded from bytes. `KeyDecoder` (keys.ts) handles everything else.
 *
 * @module
 */

import type { Key, NamedKey } from "./key.ts";

/** Longest escape sequence we wait for; a longer unfinished one is garbage and is dropped. */
const MAX_SEQUENCE_LENGTH = 32;
const DELETE = 0x7f;
const BACKSPACE = 0x08;
const CSI_OPENER = 0x5b; // [
const SS3_OPENER = 0x4f; // O
const CTRL_MODIFIER = 5;
const ALT_MODIFIER = 3;
const PASTE_START = "200";

/** Final byte of `ESC [ A` / `ESC O A` style sequences → key. */
const FINAL_KEYS: Readonly<Record<string, NamedKey>> = {
  A: "up",
  B: "down",
  C: "right",
  D: "left",
  H: "home",
  F: "end",
};
/** Parameter of `ESC [ n ~` sequences → key (insert and F-keys are ignored). */
const TILDE_KEYS: Readonly<Record<string, NamedKey>> = {
  "1": "home",
  "7": "home",
  "4": "end",
  "8": "end",
  "3": "delete",
  "5": "page-up",
  "6": "page-down",
};
/** Final byte of a parameterless CSI that reports focus (`ESC [ I`, `ESC [ O`). */
const FOCUS_KEYS: Readonly<Record<string, NamedKey>> = { I: "focus-in", O: "focus-out" };
/** `ESC` + letter (Alt/Meta as ESC prefix) → key. */
const ALT_KEYS: Readonly<Record<string, NamedKey>> = { b: "alt-b", f: "alt-f", d: "alt-d" };

/** An escape sequence at the start of the remaining input: complete (with its key, if known) or not. */
export type EscapeParse = { complete: false } | {
  complete: true;
  /** Bytes the sequence takes. */
  length: number;
  /** The key it stands for; null for sequences that mean nothing to a line editor. */
  key: Key | null;
  /** Set for `ESC [ 200 ~`: a bracketed paste starts after it. */
  paste?: true;
};

const INCOMPLETE: EscapeParse = { complete: false };

/** Reads a CSI (`ESC [` params intermediates final) at `start`. */
function parseCsi(bytes: Uint8Array, start: number): EscapeParse {
  let i = start + 2;
  while (i < bytes.length && bytes[i] >= 0x30 && bytes[i] <= 0x3f) i++;
  while (i < bytes.length && bytes[i] >= 0x20 && bytes[i] <= 0x2f) i++;
  if (i >= bytes.length) {
    return i - start >= MAX_SEQUENCE_LENGTH
      ? { complete: true, length: i - start, key: null }
      : INCOMPLETE;
  }
  const final = bytes[i];
  const length = i + 1 - start;
  if (final < 0x40 || final > 0x7e) return { complete: true, length: 2, key: null }; // malformed: drop ESC [
  const params = String.fromCharCode(...bytes.subarray(start + 2, i)).split(";");
  const finalChar = String.fromCharCode(final);
  if (finalChar === "~") {
    if (params[0] === PASTE_START) return { complete: true, length, key: null, paste: true };
    const name = TILDE_KEYS[params[0]];
    return { complete: true, length, key: name ? { type: name } : null };
  }
  const focus = params.length === 1 && params[0] === "" ? FOCUS_KEYS[finalChar] : undefined;
  if (focus) return { complete: true, length, key: { type: focus } };
  const name = FINAL_KEYS[finalChar];
  if (!name) return { complete: true, length, key: null };
  const modifier = Number(params[1] ?? "1");
  if (
    (modifier === CTRL_MODIFIER || modifier === ALT_MODIFIER) &&
    (name === "left" || name === "right")
  ) {
    return { complete: true, length, key: { type: name === "left" ? "ctrl-left" : "ctrl-right" } };
  }
  return { complete: true, length, key: { type: name } };
}

/**
 * Reads the escape sequence that starts with the ESC at `start`: arrows, Home/End, Delete,
 * PageUp/PageDown, focus reports, Ctrl/Alt-modified arrows, Alt+letter, the start of a bracketed paste. Unknown complete sequences
 * give `key: null`; `complete: false` means more bytes are needed.
 */
export function parseEscapeSequence(bytes: Uint8Array, start: number): EscapeParse {
  if (start + 1 >= bytes.length) return INCOMPLETE;
  const second = bytes[start + 1];
  if (second === CSI_OPENER) return parseCsi(bytes, start);
  if (second === SS3_OPENER) {
    if (start + 2 >= bytes.length) return INCOMPLETE;
    const name = FINAL_KEYS[String.fromCharCode(bytes[start + 2])];
    return { complete: true, length: 3, key: name ? { type: name } : null };
  }
  if (second === DELETE || second === BACKSPACE) {
    return { complete: true, length: 2, key: { type: "alt-backspace" } };
  }
  const alt = ALT_KEYS[String.fromCharCode(second)];
  if (alt) return { complete: true, length: 2, key: { type: alt } };
  // A lone Escape; whatever follows is read as its own key.
  return { complete: true, length: 1, key: { type: "escape" } };
}

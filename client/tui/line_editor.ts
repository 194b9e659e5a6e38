/**
 * The input line's state: text as graphemes, a cursor, a kill buffer and a history, changed by
 * {@link Key}s. Emacs/readline bindings. Pure: drawing is the screen's job.
 *
 * @module
 */

import { segmentGraphemes } from "./display_width.ts";
import type { Key } from "./key.ts";
import { sanitizeInput } from "./sanitize.ts";

/** What a key did to the line, so the caller knows whether to redraw, send or stop. */
export type EditResult =
  /** Nothing changed (an unbound key, or the cursor is already at the edge). */
  | { type: "unchanged" }
  /** The text or the cursor changed: redraw the input line. */
  | { type: "changed" }
  /** Enter on a non-empty line: `text` is the message; the line is now empty. */
  | { type: "submitted"; text: string }
  /** Ctrl-C. */
  | { type: "interrupt" }
  /** Ctrl-D on an empty line. */
  | { type: "eof" }
  /** Ctrl-L: clear the screen and redraw. */
  | { type: "redraw" };

/** Options of a {@link LineEditor}. */
export interface LineEditorOptions {
  /** How many submitted lines up/down can recall; older ones are forgotten. */
  historyLimit?: number;
}

/** Default number of remembered lines. */
export const DEFAULT_HISTORY_LIMIT = 500;

const UNCHANGED: EditResult = { type: "unchanged" };
const CHANGED: EditResult = { type: "changed" };
const WHITESPACE = /^\s+$/u;
const WORD_CHARACTER = /^[\p{L}\p{N}\p{M}_]/u;

/**
 * A single-line editor.
 *
 * History: Up/Down (or Ctrl-P/Ctrl-N) walk through submitted lines; the line being written when
 * Up was first pressed is kept and comes back after the newest entry. Editing a recalled line
 * changes only the input, not the history entry.
 *
 * @example
 * ```ts
 * const editor = new LineEditor();
 * editor.apply({ type: "text", text: "hi" });
 * editor.apply({ type: "enter" }); // { type: "submitted", text: "hi" }
 * ```
 */
export class LineEditor {
  #graphemes: string[] = [];
  #cursor = 0;
  #killed = "";
  readonly #history: string[] = [];
  readonly #historyLimit: number;
  /** Index into the history of the line shown; `history.length` means the draft. */
  #historyIndex = 0;
  #draft = "";

  /** Creates an empty editor. */
  constructor(options: LineEditorOptions = {}) {
    this.#historyLimit = options.historyLimit ?? DEFAULT_HISTORY_LIMIT;
  }

  /** The line's graphemes; do not modify. */
  get graphemes(): readonly string[] {
    return this.#graphemes;
  }

  /** The cursor, as an index into {@link graphemes} (0 = before the first one). */
  get cursor(): number {
    return this.#cursor;
  }

  /** The line's text. */
  get text(): string {
    return this.#graphemes.join("");
  }

  /** The submitted lines, oldest first. */
  get history(): readonly string[] {
    return this.#history;
  }

  /** Replaces the line with `text` (cleaned like typed input), cursor at the end. */
  setText(text: string): void {
    this.#graphemes = segmentGraphemes(sanitizeInput(text));
    this.#cursor = this.#graphemes.length;
  }

  /**
   * Replaces the line with `before` + `after` (cleaned like typed input), the cursor between
   * them: what a completion does to the text around the cursor.
   */
  setLine(before: string, after: string): void {
    const head = segmentGraphemes(sanitizeInput(before));
    this.#graphemes = segmentGraphemes(head.join("") + sanitizeInput(after));
    this.#cursor = Math.min(head.length, this.#graphemes.length);
  }

  /** Applies one key. */
  apply(key: Key): EditResult {
    switch (key.type) {
      case "text":
      case "paste":
        return this.#insert(sanitizeInput(key.text));
      case "enter":
        return this.#submit();
      case "backspace":
        return this.#delete(this.#cursor - 1, this.#cursor, false);
      case "delete":
        return this.#delete(this.#cursor, this.#cursor + 1, false);
      case "ctrl-d":
        if (this.#graphemes.length === 0) return { type: "eof" };
        return this.#delete(this.#cursor, this.#cursor + 1, false);
      case "left":
      case "ctrl-b":
        return this.#moveTo(this.#cursor - 1);
      case "right":
      case "ctrl-f":
        return this.#moveTo(this.#cursor + 1);
      case "home":
      case "ctrl-a":
        return this.#moveTo(0);
      case "end":
      case "ctrl-e":
        return this.#moveTo(this.#graphemes.length);
      case "ctrl-left":
      case "alt-b":
        return this.#moveTo(this.#wordStartBefore(this.#cursor, isWordCharacter));
      case "ctrl-right":
      case "alt-f":
        return this.#moveTo(this.#wordEndAfter(this.#cursor));
      case "ctrl-u":
        return this.#delete(0, this.#cursor, true);
      case "ctrl-k":
        return this.#delete(this.#cursor, this.#graphemes.length, true);
      case "ctrl-w":
        return this.#delete(
          this.#wordStartBefore(this.#cursor, isNotWhitespace),
          this.#cursor,
          true,
        );
      case "alt-backspace":
        return this.#delete(
          this.#wordStartBefore(this.#cursor, isWordCharacter),
          this.#cursor,
          true,
        );
      case "alt-d":
        return this.#delete(this.#cursor, this.#wordEndAfter(this.#cursor), true);
      case "ctrl-y":
        return this.#insert(this.#killed);
      case "up":
      case "ctrl-p":
        return this.#recall(this.#historyIndex - 1);
      case "down":
      case "ctrl-n":
        return this.#recall(this.#historyIndex + 1);
      case "ctrl-c":
        return { type: "interrupt" };
      case "ctrl-l":
        return { type: "redraw" };
      default:
        return UNCHANGED;
    }
  }

  /** Inserts at the cursor; re-segments so that e.g. a combining mark joins the grapheme before it. */
  #insert(text: string): EditResult {
    if (text.length === 0) return UNCHANGED;
    const before = this.#graphemes.slice(0, this.#cursor).join("") + text;
    const after = this.#graphemes.slice(this.#cursor).join("");
    this.#graphemes = segmentGraphemes(before + after);
    // The cursor goes after the grapheme that holds the last inserted code unit.
    let length = 0;
    let cursor = 0;
    while (cursor < this.#graphemes.length && length < before.length) {
      length += this.#graphemes[cursor].length;
      cursor++;
    }
    this.#cursor = cursor;
    return CHANGED;
  }

  /** Removes graphemes [from, to) (clamped); `kill` keeps them for Ctrl-Y. */
  #delete(from: number, to: number, kill: boolean): EditResult {
    const start = Math.max(0, from);
    const end = Math.min(this.#graphemes.length, to);
    if (start >= end) return UNCHANGED;
    const removed = this.#graphemes.splice(start, end - start);
    if (kill) this.#killed = removed.join("");
    this.#cursor = start;
    return CHANGED;
  }

  #moveTo(position: number): EditResult {
    const cursor = Math.min(Math.max(position, 0), this.#graphemes.length);
    if (cursor === this.#cursor) return UNCHANGED;
    this.#cursor = cursor;
    return CHANGED;
  }

  /** Start of the word before `position`: skip what is not a word, then the word. */
  #wordStartBefore(position: number, inWord: (grapheme: string) => boolean): number {
    let i = position;
    while (i > 0 && !inWord(this.#graphemes[i - 1])) i--;
    while (i > 0 && inWord(this.#graphemes[i - 1])) i--;
    return i;
  }

  /** End of the word after `position`: skip what is not a word, then the word. */
  #wordEndAfter(position: number): number {
    let i = position;
    while (i < this.#graphemes.length && !isWordCharacter(this.#graphemes[i])) i++;
    while (i < this.#graphemes.length && isWordCharacter(this.#graphemes[i])) i++;
    return i;
  }

  #submit(): EditResult {
    if (this.#graphemes.length === 0) return UNCHANGED;
    const text = this.text;
    if (this.#history[this.#history.length - 1] !== text) {
      this.#history.push(text);
      if (this.#history.length > this.#historyLimit) this.#history.shift();
    }
    this.#historyIndex = this.#history.length;
    this.#draft = "";
    this.#graphemes = [];
    this.#cursor = 0;
    return { type: "submitted", text };
  }

  /** Shows history entry `index`, or the draft for `history.length`. */
  #recall(index: number): EditResult {
    if (index < 0 || index > this.#history.length || index === this.#historyIndex) return UNCHANGED;
    if (this.#historyIndex === this.#history.length) this.#draft = this.text;
    this.#historyIndex = index;
    this.#graphemes = segmentGraphemes(
      index === this.#history.length ? this.#draft : this.#history[index],
    );
    this.#cursor = this.#graphemes.length;
    return CHANGED;
  }
}

function isWordCharacter(grapheme: string): boolean {
  return WORD_CHARACTER.test(grapheme);
}

function isNotWhitespace(grapheme: string): boolean {
  return !WHITESPACE.test(grapheme);
}

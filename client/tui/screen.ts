/**
 * Composes what to write to the terminal so that incoming lines appear above the input line and
 * the input line (prompt, text, cursor) is redrawn intact below them. Returns strings; writing
 * them is the I/O layer's job.
 *
 * The input line never wraps: it is scrolled horizontally ({@link layoutInputWindow}) by the most
 * cells a terminal may draw each grapheme in, and the last column is never written, so no terminal
 * auto-wrap can kick in. The cursor is put in its place by writing the text before it again, not
 * by counting cells, so a terminal that draws an emoji sequence wider than expected still shows it
 * where it is. Printed lines are wrapped by {@link wrapLine}, with a hanging indent.
 *
 * @module
 */

import { displayWidthBound, truncateToWidth } from "./display_width.ts";
import { type InputWindow, layoutInputWindow } from "./input_window.ts";
import { sanitizeForTerminal } from "./sanitize.ts";
import { wrapLine } from "./wrap.ts";

/** What the screen needs to know of the input line; a {@link LineEditor} is one. */
export interface InputView {
  /** The input's graphemes. */
  readonly graphemes: readonly string[];
  /** Cursor position as an index into {@link graphemes}. */
  readonly cursor: number;
}

/** Settings of a {@link Screen}. */
export interface ScreenOptions {
  /** Shown before the input, e.g. "#lobby> " (sanitised). */
  prompt: string;
  /** Terminal width in columns. */
  width: number;
  /**
   * Whether the terminal understands ANSI cursor codes (default true). When false (TERM=dumb) the
   * output holds no escape byte: lines are erased with spaces and the cursor is placed by
   * re-printing the text before it.
   */
  ansi?: boolean;
}

/** Input cells kept even when the prompt is long: the prompt is cut to leave at least these. */
export const MIN_INPUT_COLUMNS = 8;

const CLEAR_TO_END_OF_LINE = "\x1b[K";
const CLEAR_TO_END_OF_SCREEN = "\x1b[J";
const CLEAR_SCREEN = "\x1b[H\x1b[2J";
/** Bracketed paste (a pasted line break does not send) and focus reports (for the bell). */
const MODES_ON = "\x1b[?2004h\x1b[?1004h";
const MODES_OFF = "\x1b[?1004l\x1b[?2004l";
const NEWLINE = "\r\n"; // CR too: the terminal may not translate LF while in raw mode
/** The column kept free at the right edge for the cursor. */
const CURSOR_CELL = 1;

/**
 * The terminal's bottom line, as strings to write.
 *
 * @example
 * ```ts
 * const screen = new Screen({ prompt: "> ", width: 80 });
 * const output = screen.printAbove("09:05 bob: hi", { graphemes: ["y", "o"], cursor: 2 });
 * // "\r\x1b[K09:05 bob: hi\r\n\r> yo\x1b[K\r> yo"
 * ```
 */
export class Screen {
  #prompt = "";
  #promptWidth = 0;
  #rawPrompt: string;
  #width: number;
  readonly #ansi: boolean;
  /** First visible grapheme at the last draw, so the window does not jump. */
  #scrollStart = 0;
  /** Cells the input line took at the last draw (dumb mode erases them with spaces). */
  #drawnWidth = 0;
  /** Cells left of the cursor at the last draw, so that a resize finds the line again. */
  #cursorCells = 0;

  /** Creates a screen; nothing is drawn until a method's output is written. */
  constructor(options: ScreenOptions) {
    this.#ansi = options.ansi ?? true;
    this.#rawPrompt = options.prompt;
    this.#width = checkWidth(options.width);
    this.#fitPrompt();
  }

  /** Terminal width in columns. */
  get width(): number {
    return this.#width;
  }

  /** The prompt as shown (sanitised, perhaps cut to leave room for the input). */
  get prompt(): string {
    return this.#prompt;
  }

  /** Cells available for input text after the prompt. */
  get inputColumns(): number {
    return Math.max(1, this.#width - this.#promptWidth - CURSOR_CELL);
  }

  /**
   * Takes a new terminal width (after a resize) and redraws the input. A terminal that reflows
   * its lines (tmux, VTE, kitty, iTerm2…) has made the old input line, if wider than the new
   * width, several rows with the cursor on one of them: the cursor goes back up to the first of
   * them and everything from there down is erased, so no stale copy of the draft is left behind.
   */
  resize(width: number, input: InputView): string {
    const rowsAbove = Math.floor(this.#cursorCells / checkWidth(width));
    this.#width = width;
    this.#fitPrompt();
    if (!this.#ansi) return this.redrawInput(input);
    this.#drawnWidth = 0;
    const up = rowsAbove > 0 ? `\x1b[${rowsAbove}A` : "";
    return `${up}\r${CLEAR_TO_END_OF_SCREEN}${this.redrawInput(input)}`;
  }

  /** Takes a new prompt; redraw the input afterwards. */
  setPrompt(prompt: string): void {
    this.#rawPrompt = prompt;
    this.#fitPrompt();
  }

  /** Redraws the input line and puts the cursor in its place. */
  redrawInput(input: InputView): string {
    const window = layoutInputWindow(
      input.graphemes,
      input.cursor,
      this.inputColumns,
      this.#scrollStart,
    );
    this.#scrollStart = window.start;
    const previousWidth = this.#drawnWidth;
    this.#drawnWidth = this.#promptWidth + window.width;
    this.#cursorCells = this.#promptWidth + window.cursorColumn;
    const line = `\r${this.#prompt}${window.text}`;
    const erase = this.#ansi
      ? CLEAR_TO_END_OF_LINE
      : " ".repeat(Math.max(0, previousWidth - this.#drawnWidth));
    return `${line}${erase}\r${this.#prompt}${textBeforeCursor(input, window)}`;
  }

  /**
   * Prints `lines` (already formatted, one terminal line each) above the input line, then redraws
   * the input. Several lines in one call make one write.
   */
  printAbove(lines: string | readonly string[], input: InputView): string {
    const rows = (typeof lines === "string" ? [lines] : lines).flatMap((line) =>
      wrapLine(line, this.#width)
    );
    const text = rows.join(NEWLINE);
    return `${this.clearInput()}${text}${NEWLINE}${this.redrawInput(input)}`;
  }

  /** Erases the input line and leaves the cursor at column 0 (e.g. before exiting). */
  clearInput(): string {
    const erased = this.#ansi ? `\r${CLEAR_TO_END_OF_LINE}` : `\r${" ".repeat(this.#drawnWidth)}\r`;
    this.#drawnWidth = 0;
    return erased;
  }

  /**
   * What to write when the interactive session starts: turns bracketed paste on (so a pasted
   * line break does not send the message early; see `KeyDecoder`) and focus reports on (a
   * mention rings the bell when the window is not in focus), and draws the input line.
   */
  begin(input: InputView): string {
    return `${this.#ansi ? MODES_ON : ""}${this.redrawInput(input)}`;
  }

  /** What to write when it ends: erases the input line and turns those modes off again. */
  end(): string {
    return `${this.clearInput()}${this.#ansi ? MODES_OFF : ""}`;
  }

  /**
   * Draws a page of scrollback on the whole (alternate) screen, `rows` tall, with the input line
   * on its last row. The caller switches to the alternate screen first (`ALTERNATE_SCREEN_ON`).
   */
  drawPage(page: readonly string[], rows: number, input: InputView): string {
    this.#drawnWidth = 0;
    const bottom = `\x1b[${rows};1H`;
    return `${CLEAR_SCREEN}${page.join(NEWLINE)}${bottom}${this.redrawInput(input)}`;
  }

  /** Clears the whole screen (Ctrl-L) and redraws the input at the top. */
  clearScreen(input: InputView): string {
    if (!this.#ansi) return this.redrawInput(input);
    this.#drawnWidth = 0;
    return `${CLEAR_SCREEN}${this.redrawInput(input)}`;
  }

  /** Sanitises the prompt and cuts it so that {@link MIN_INPUT_COLUMNS} remain for input. */
  #fitPrompt(): void {
    const room = Math.max(0, this.#width - CURSOR_CELL - MIN_INPUT_COLUMNS);
    this.#prompt = truncateToWidth(sanitizeForTerminal(this.#rawPrompt), room);
    this.#promptWidth = displayWidthBound(this.#prompt);
  }
}

/** The visible graphemes left of the cursor, joined. */
function textBeforeCursor(input: InputView, window: InputWindow): string {
  const cursor = Math.min(Math.max(input.cursor, window.start), input.graphemes.length);
  return input.graphemes.slice(window.start, cursor).join("");
}

/** Returns `width` if it is a usable terminal width, else throws a RangeError. */
function checkWidth(width: number): number {
  if (!Number.isInteger(width) || width < 1) {
    throw new RangeError(`Terminal width must be a positive integer, got ${width}`);
  }
  return width;
}

/**
 * Scrollback inside the client: a page of the lines shown so far, drawn on the terminal's
 * alternate screen so that the main screen (and the terminal's own scrollback) is left as it
 * was and comes back intact when the page is closed. Pure: lines in, rows out.
 *
 * @module
 */

import { wrapLine } from "./wrap.ts";

/** Switches to the alternate screen (xterm's 1049 mode: saves the cursor, clears). */
export const ALTERNATE_SCREEN_ON = "\x1b[?1049h";
/** Back to the main screen, as it was, cursor restored. */
export const ALTERNATE_SCREEN_OFF = "\x1b[?1049l";

/** One page of the scrollback. */
export interface Page {
  /** The rows to show, top first (at most the page's height). */
  readonly rows: readonly string[];
  /** Rows between the page's last row and the newest row, clamped to what exists. */
  readonly offset: number;
}

/**
 * The page of `height` rows that ends `offset` rows above the newest row, the lines wrapped for
 * `width` columns. The offset is clamped so that the page never runs past the oldest row.
 *
 * @example
 * ```ts
 * pageOf(["a", "b", "c", "d"], 80, 2, 1); // { rows: ["b", "c"], offset: 1 }
 * ```
 */
export function pageOf(
  lines: readonly string[],
  width: number,
  height: number,
  offset: number,
): Page {
  const rows = lines.flatMap((line) => wrapLine(line, width));
  const clamped = Math.max(0, Math.min(offset, rows.length - height));
  const end = rows.length - clamped;
  return { rows: rows.slice(Math.max(0, end - height), end), offset: clamped };
}

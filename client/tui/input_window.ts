/**
 * Horizontal scrolling of the input line: which graphemes are visible in a fixed number of cells
 * so that the line never wraps and the cursor is always shown.
 *
 * The window stays where it was while the cursor is inside it (text does not jump on every key);
 * when the cursor leaves it, the window is re-centred on the cursor, half a window at a time, as
 * readline's horizontal-scroll mode does. When the end of the text is visible with room to spare
 * the window slides back so that as much text as possible is shown.
 *
 * @module
 */

import { graphemeWidthBound } from "./display_width.ts";

/** The visible part of the input line. */
export interface InputWindow {
  /** Index of the first visible grapheme. */
  readonly start: number;
  /** The visible graphemes, joined. */
  readonly text: string;
  /** Cells {@link text} takes. */
  readonly width: number;
  /** Cells between the window's left edge and the cursor. */
  readonly cursorColumn: number;
}

/**
 * Lays out `graphemes` in `columns` cells with the cursor (a grapheme index) visible.
 * `previousStart` is the window's start from the last draw (0 at first).
 * The cursor column is at most `columns`: the caller keeps one cell free after the window for it.
 *
 * @example
 * ```ts
 * layoutInputWindow(["a", "b", "c", "d"], 4, 2, 0); // { start: 2, text: "cd", width: 2, cursorColumn: 2 }
 * ```
 */
export function layoutInputWindow(
  graphemes: readonly string[],
  cursor: number,
  columns: number,
  previousStart: number,
): InputWindow {
  // The most cells each may take, so that no terminal wraps the line (`graphemeWidthBound`).
  const widths = graphemes.map(graphemeWidthBound);
  const cursorAt = Math.min(Math.max(cursor, 0), graphemes.length);
  const span = (from: number, to: number): number => {
    let total = 0;
    for (let i = from; i < to; i++) total += widths[i];
    return total;
  };

  let start = Math.min(Math.max(previousStart, 0), cursorAt);
  if (previousStart > cursorAt || span(start, cursorAt) > columns) {
    // Re-centre: leave about half the window of text before the cursor.
    const half = Math.floor(columns / 2);
    start = cursorAt;
    let before = 0;
    while (start > 0 && before + widths[start - 1] <= half) before += widths[--start];
  }
  let tail = span(start, graphemes.length);
  while (start > 0 && tail + widths[start - 1] <= columns) tail += widths[--start];

  let end = start;
  let width = 0;
  while (end < graphemes.length && width + widths[end] <= columns) width += widths[end++];
  return {
    start,
    text: graphemes.slice(start, end).join(""),
    width,
    cursorColumn: span(start, cursorAt),
  };
}

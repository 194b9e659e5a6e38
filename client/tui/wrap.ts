/**
 * Wraps a formatted line (text with SGR colour codes) into terminal rows itself, as irssi and
 * weechat do, instead of leaving it to the terminal: every row after the first starts with a
 * hanging indent, so a continuation row can never look like a line of its own (a message padded
 * with spaces up to the edge, then "15:16 alice: …", shows indented). Rows break after a space
 * when there is one, else between graphemes; no row reaches the last column, so the terminal
 * never wraps on its own.
 *
 * @module
 */

import { graphemeWidthBound, segmentGraphemes } from "./display_width.ts";

/** Cells of the hanging indent: as wide as the "HH:MM " stamp, so text starts under text. */
export const HANGING_INDENT = 6;

/** An SGR sequence (colours, bold, dim, reset): it takes no cell. */
// deno-lint-ignore no-control-regex -- ESC is what is being matched
const SGR = /\x1b\[[0-9;]*m/y;
const ESC = "\x1b";
const SPACE = " ";
/** The last column is never written (see `Screen`). */
const RESERVED_COLUMN = 1;

/**
 * Cuts `line` into rows of at most `width - 1` cells (by `graphemeWidthBound`), rows after the
 * first indented by {@link HANGING_INDENT} spaces (none when the screen is too narrow for it).
 * `line` must hold no control but SGR sequences (it was sanitised and formatted).
 *
 * @example
 * ```ts
 * wrapLine("09:05 bob: one two three", 20); // ["09:05 bob: one two", "      three"]
 * ```
 */
export function wrapLine(line: string, width: number): string[] {
  const limit = Math.max(1, width - RESERVED_COLUMN);
  const indent = limit > HANGING_INDENT * 2 ? SPACE.repeat(HANGING_INDENT) : "";
  const rows: string[] = [];
  let row = "";
  let rowWidth = 0;
  /** In `row`: where the last space is, and the cells up to and including it. */
  let breakAt = -1;
  let widthAtBreak = 0;
  let i = 0;
  while (i < line.length) {
    if (line[i] === ESC) {
      SGR.lastIndex = i;
      const match = SGR.exec(line);
      const sequence = match === null ? ESC : match[0];
      row += sequence;
      i += sequence.length;
      continue;
    }
    const next = line.indexOf(ESC, i);
    const text = line.slice(i, next === -1 ? line.length : next);
    i += text.length;
    for (const grapheme of segmentGraphemes(text)) {
      const cells = graphemeWidthBound(grapheme);
      if (rowWidth + cells > limit && rowWidth > indent.length) {
        const carried = rowWidth - widthAtBreak;
        if (breakAt > indent.length && indent.length + carried + cells <= limit) {
          rows.push(row.slice(0, breakAt));
          row = indent + row.slice(breakAt + 1);
          rowWidth = indent.length + carried;
        } else {
          rows.push(row);
          row = indent;
          rowWidth = indent.length;
        }
        breakAt = -1;
      }
      row += grapheme;
      rowWidth += cells;
      if (grapheme === SPACE) {
        breakAt = row.length - 1;
        widthAtBreak = rowWidth;
      }
    }
  }
  rows.push(row);
  return rows;
}

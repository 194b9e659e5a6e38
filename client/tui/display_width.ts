/**
 * How many terminal cells text takes, grapheme by grapheme, and cutting text to a number of cells.
 *
 * A grapheme (what the user sees as one character, from `Intl.Segmenter`) is 0, 1 or 2 cells:
 * - 2 for East Asian Wide and Fullwidth characters (`get-east-asian-width`), emoji presentation
 *   sequences (base + U+FE0F, keycaps), ZWJ sequences of pictographs and flags (regional
 *   indicator pairs);
 * - 0 for a grapheme made only of a combining mark, a format character (ZWSP, ZWJ, …) or a
 *   Hangul medial/final jamo, and for controls (they never reach the screen unsanitised);
 * - 1 otherwise. East Asian Ambiguous characters count as 1, as UAX #11 advises when the context
 *   is unknown and as most terminals outside CJK locales draw them.
 *
 * @module
 */

import { eastAsianWidth } from "get-east-asian-width";

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Printable ASCII only: every character is one cell and one grapheme. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
/** A grapheme that draws nothing on its own. U+00AD SOFT HYPHEN is excluded: terminals draw it. */
const ZERO_WIDTH_GRAPHEME = /^(?:(?!\u00ad)[\p{Mn}\p{Me}\p{Cf}\p{Cc}\u1160-\u11ff])+$/u;
const EMOJI_START = /^\p{Emoji}/u;
const PICTOGRAPH_START = /^\p{Extended_Pictographic}/u;
const FLAG = /^\p{Regional_Indicator}{2}$/u;
const EMOJI_PRESENTATION_SELECTOR = "\uFE0F";
const ZERO_WIDTH_JOINER = "\u200D";

/** Columns a wide character takes. */
const WIDE = 2;

/**
 * Splits text into graphemes (user-perceived characters).
 *
 * @example
 * ```ts
 * segmentGraphemes("e\u0301🇯🇵"); // ["e\u0301", "🇯🇵"]
 * ```
 */
export function segmentGraphemes(text: string): string[] {
  if (PRINTABLE_ASCII.test(text)) return text.split("");
  const graphemes: string[] = [];
  for (const { segment } of segmenter.segment(text)) graphemes.push(segment);
  return graphemes;
}

/**
 * Cells one grapheme takes on a terminal: 0, 1 or 2 (rules in the module doc).
 *
 * @example
 * ```ts
 * graphemeWidth("字"); // 2
 * graphemeWidth("👨‍👩‍👧"); // 2
 * ```
 */
export function graphemeWidth(grapheme: string): number {
  const first = grapheme.codePointAt(0);
  if (first === undefined || ZERO_WIDTH_GRAPHEME.test(grapheme)) return 0;
  if (grapheme.length > 1) {
    if (grapheme.includes(EMOJI_PRESENTATION_SELECTOR) && EMOJI_START.test(grapheme)) return WIDE;
    if (grapheme.includes(ZERO_WIDTH_JOINER) && PICTOGRAPH_START.test(grapheme)) return WIDE;
    if (FLAG.test(grapheme)) return WIDE;
  }
  return eastAsianWidth(first);
}

/**
 * Cells `text` takes on a terminal, assuming it holds no controls (sanitise first).
 *
 * @example
 * ```ts
 * displayWidth("日本語 ok"); // 9
 * ```
 */
export function displayWidth(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let width = 0;
  for (const { segment } of segmenter.segment(text)) width += graphemeWidth(segment);
  return width;
}

/**
 * Cuts `text` at a grapheme boundary so that it takes at most `columns` cells. When it had to be
 * cut, `ellipsis` (if it fits) is appended within the limit. A wide character that would straddle
 * the limit is left out rather than split.
 *
 * @example
 * ```ts
 * truncateToWidth("日本語", 5); // "日本"
 * truncateToWidth("hello world", 8, "…"); // "hello w…"
 * ```
 */
export function truncateToWidth(text: string, columns: number, ellipsis = ""): string {
  if (displayWidth(text) <= columns) return text;
  const ellipsisWidth = displayWidth(ellipsis);
  const withEllipsis = ellipsisWidth <= columns;
  const budget = withEllipsis ? columns - ellipsisWidth : columns;
  let out = "";
  let used = 0;
  for (const grapheme of segmentGraphemes(text)) {
    const width = graphemeWidth(grapheme);
    if (used + width > budget) break;
    out += grapheme;
    used += width;
  }
  return withEllipsis ? out + ellipsis : out;
}

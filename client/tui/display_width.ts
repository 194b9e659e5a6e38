/**
 * How many terminal cells text takes, grapheme by grapheme, and cutting text to a number of cells.
 *
 * A grapheme (what the user sees as one character, from `Intl.Segmenter`) takes the cells the
 * `string-width` package gives it, as glibc `wcwidth`, tmux and most terminals draw it: 2 for East
 * Asian Wide and Fullwidth characters and emoji sequences, a base character plus its spacing
 * vowel sign (`कि`, `กำ`, `ｶﾞ`) as the terminal draws both, 0 for combining marks, format
 * characters and controls (they never reach the screen unsanitised), 1 otherwise (East Asian
 * Ambiguous included, as UAX #11 advises when the context is unknown). U+00AD SOFT HYPHEN is 1:
 * terminals draw it.
 *
 * Terminals disagree on emoji sequences: one that does not know a skin-tone modifier or a ZWJ
 * sequence draws each emoji of it, e.g. `👍🏽` in 4 cells where `string-width` says 2.
 * {@link graphemeWidthBound} is the most cells a terminal may draw, for the rows that must never
 * wrap (the input line, wrapped messages).
 *
 * @module
 */

import stringWidth from "string-width";

const segmenter = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/** Printable ASCII only: every character is one cell and one grapheme. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const SOFT_HYPHEN = "\u00ad";
/** Graphemes seen so far and their widths: `string-width` is slow next to a lookup. */
const widthCache = new Map<string, number>();
const boundCache = new Map<string, number>();
/** Beyond this many distinct graphemes the caches start over, so hostile text cannot grow them. */
const MAX_CACHED_GRAPHEMES = 10_000;

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

/** Looks `grapheme` up in `cache`, computing and storing it on a miss. */
function cached(cache: Map<string, number>, grapheme: string, compute: () => number): number {
  const known = cache.get(grapheme);
  if (known !== undefined) return known;
  if (cache.size >= MAX_CACHED_GRAPHEMES) cache.clear();
  const width = compute();
  cache.set(grapheme, width);
  return width;
}

/**
 * Cells one grapheme takes on a terminal: 0, 1 or 2 (rules in the module doc).
 *
 * @example
 * ```ts
 * graphemeWidth("字"); // 2
 * graphemeWidth("कि"); // 2
 * ```
 */
export function graphemeWidth(grapheme: string): number {
  if (grapheme.length === 1 && PRINTABLE_ASCII.test(grapheme)) return 1;
  return cached(widthCache, grapheme, () => grapheme === SOFT_HYPHEN ? 1 : stringWidth(grapheme));
}

/**
 * The most cells a terminal may draw `grapheme` in: its {@link graphemeWidth}, or, when more, the
 * sum of the widths of its code points, as a terminal that does not know the sequence draws them
 * one by one (a skin-tone modifier, the emoji of a ZWJ sequence).
 *
 * @example
 * ```ts
 * graphemeWidthBound("👍🏽"); // 4
 * graphemeWidthBound("कि"); // 2
 * ```
 */
export function graphemeWidthBound(grapheme: string): number {
  const width = graphemeWidth(grapheme);
  if (grapheme.length === 1 || width === 0) return width;
  return cached(boundCache, grapheme, () => {
    let parts = 0;
    for (const codePoint of grapheme) parts += graphemeWidth(codePoint);
    return Math.max(width, parts);
  });
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
 * The most cells `text` may take on a terminal: the sum of {@link graphemeWidthBound}.
 *
 * @example
 * ```ts
 * displayWidthBound("ok 👍🏽"); // 7
 * ```
 */
export function displayWidthBound(text: string): number {
  if (PRINTABLE_ASCII.test(text)) return text.length;
  let width = 0;
  for (const { segment } of segmenter.segment(text)) width += graphemeWidthBound(segment);
  return width;
}

/**
 * Cuts `text` at a grapheme boundary so that it takes at most `columns` cells on any terminal
 * (by {@link graphemeWidthBound}). When it had to be cut, `ellipsis` (if it fits) is appended
 * within the limit. A wide character that would straddle the limit is left out rather than split.
 *
 * @example
 * ```ts
 * truncateToWidth("日本語", 5); // "日本"
 * truncateToWidth("hello world", 8, "…"); // "hello w…"
 * ```
 */
export function truncateToWidth(text: string, columns: number, ellipsis = ""): string {
  if (displayWidthBound(text) <= columns) return text;
  const ellipsisWidth = displayWidth(ellipsis);
  const withEllipsis = ellipsisWidth <= columns;
  const budget = withEllipsis ? columns - ellipsisWidth : columns;
  let out = "";
  let used = 0;
  for (const grapheme of segmentGraphemes(text)) {
    const width = graphemeWidthBound(grapheme);
    if (used + width > budget) break;
    out += grapheme;
    used += width;
  }
  return withEllipsis ? out + ellipsis : out;
}

/**
 * Whether a message names someone: their name as a word of its own, in any case, as irssi's
 * hilight does ("alice:", "@alice", "Alice!" mention alice; "malice" does not).
 *
 * @module
 */

/** A character that continues a name: letters, marks, digits, `_` and `-`. */
const NAME_CHARACTER = /[\p{L}\p{M}\p{N}_-]/u;

/**
 * True when `text` contains `name` (case-insensitively) with no name character right before or
 * after it.
 *
 * @example
 * ```ts
 * mentions("hi Alice, lunch?", "alice"); // true
 * mentions("malice", "alice"); // false
 * ```
 */
export function mentions(text: string, name: string): boolean {
  if (name === "") return false;
  const haystack = text.toLowerCase();
  const needle = name.toLowerCase();
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + 1)) {
    const before = [...haystack.slice(0, at)].at(-1) ?? "";
    const after = [...haystack.slice(at + needle.length, at + needle.length + 2)][0] ?? "";
    if (!NAME_CHARACTER.test(before) && !NAME_CHARACTER.test(after)) return true;
  }
  return false;
}

/**
 * The naming rules about what a reader can see (docs/protocol.md §1.2): two names that look the
 * same must be the same name, so a name may not hold characters that show as nothing, or as a
 * space where no space seems to be. Names are in NFC when they get here.
 *
 * The character classes are Unicode properties, as JavaScript's `v`-flag regular expressions
 * name them (ECMA-262 §22.2.2.9, Table 67 and Table 68; UTS #51 for `RGI_Emoji`).
 *
 * @module
 */

/**
 * Characters that show as nothing: `Default_Ignorable_Code_Point` (zero-width space and joiners,
 * U+2060 WORD JOINER, soft hyphen, variation selectors, Hangul fillers, tag characters …) and
 * the format characters, general category `Cf` (U+FEFF, U+061C, invisible operators …).
 */
const INVISIBLE = /[\p{Default_Ignorable_Code_Point}\p{Cf}]/v;
/**
 * Whole emoji sequences as Unicode recommends them for general interchange (UTS #51 RGI): the
 * only places where a zero-width joiner, a variation selector or a tag character is allowed,
 * because there they join or select visible emoji (👨‍👩‍👧, ❤️, 🏴󠁧󠁢󠁳󠁣󠁴󠁿).
 */
const RGI_EMOJI = /\p{RGI_Emoji}/gv;
/** `White_Space`, and U+2800 BRAILLE PATTERN BLANK, a symbol that shows as a blank. */
const BLANK = "[\\p{White_Space}\\u2800]";
const BLANK_AT_EDGE = new RegExp(`^${BLANK}|${BLANK}$`, "v");
/**
 * The blanks allowed inside a name: U+0020 SPACE, and U+3000 IDEOGRAPHIC SPACE that Japanese and
 * Chinese input methods type (it is twice as wide, so it does not pass for a SPACE). The others
 * (NO-BREAK SPACE, EN SPACE, U+2800 …) look like SPACE and would make a different name.
 */
const LOOKALIKE_BLANK = new RegExp(`[${BLANK}--[\\u0020\\u3000]]`, "v");
/** Combining marks (general category `M`) attach to the character before: a name's start has none. */
const LEADING_MARK = /^\p{M}/v;
/** A character that shows something by itself: not blank, invisible or a combining mark. */
const VISIBLE = new RegExp(`[^${BLANK}\\p{Default_Ignorable_Code_Point}\\p{Cf}\\p{M}]`, "v");

/**
 * Why an NFC name breaks a visibility rule, or null when it keeps them all.
 *
 * @example
 * ```ts
 * visibilityProblem("👨‍👩‍👧"); // null: the joiners are inside an emoji sequence
 * visibilityProblem("ann\u200b"); // "it contains an invisible or format character (U+200B)"
 * ```
 */
export function visibilityProblem(name: string): string | null {
  if (BLANK_AT_EDGE.test(name)) return "it starts or ends with a blank";
  const invisible = findInvisible(name);
  if (invisible !== null) {
    return `it contains an invisible or format character (${codePointLabel(invisible)})`;
  }
  const blank = LOOKALIKE_BLANK.exec(name);
  if (blank !== null) {
    return `it contains a blank other than U+0020 and U+3000 (${codePointLabel(blank[0])})`;
  }
  if (LEADING_MARK.test(name)) return "it starts with a combining mark";
  if (!VISIBLE.test(name)) return "it has no visible character";
  return null;
}

/** The first invisible character outside RGI emoji sequences, or null. */
function findInvisible(name: string): string | null {
  // Most names have no invisible character at all: one test, and no emoji scan.
  if (!INVISIBLE.test(name)) return null;
  return INVISIBLE.exec(name.replace(RGI_EMOJI, ""))?.[0] ?? null;
}

/** "U+200B" for a character. */
function codePointLabel(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

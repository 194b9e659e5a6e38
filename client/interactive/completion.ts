/**
 * Tab completion on the chat screen, as irssi does it: the word before the cursor is completed
 * from the member names, or from the `/commands` when it starts the line with a slash. A name
 * completed at the start of the line gets ": " (addressing someone), elsewhere a space. Pressing
 * Tab again cycles through the other matches. Pure: text in, text out.
 *
 * @module
 */

/** The text around the cursor. */
export interface CompletionInput {
  /** The line before the cursor. */
  readonly before: string;
  /** The line after the cursor. */
  readonly after: string;
}

/** A completion in progress: Tab again replaces the completed word with the next match. */
export interface Completion {
  /** The line before the cursor once completed. */
  readonly before: string;
  /** The line after the cursor (unchanged). */
  readonly after: string;
  /** Every match, in order. */
  readonly matches: readonly string[];
  /** Which of {@link matches} is shown. */
  readonly index: number;
  /** The line before the word being completed. */
  readonly head: string;
}

/** What follows a name completed at the start of the line. */
export const ADDRESS_SUFFIX = ": ";
const WORD_SUFFIX = " ";
const COMMAND_PREFIX = "/";
const WORD_BEFORE_CURSOR = /\S*$/u;

/**
 * Completes the word before the cursor from `names` (or `commands`, for a first word starting
 * with "/"), case-insensitively; null when nothing matches. `previous` is the completion the last
 * key made, if that key was Tab too: then the next match replaces it.
 *
 * @example
 * ```ts
 * complete({ before: "al", after: "" }, ["alice", "bob"], ["/quit"], null)?.before; // "alice: "
 * complete({ before: "/q", after: "" }, ["alice"], ["/quit"], null)?.before; // "/quit "
 * ```
 */
export function complete(
  input: CompletionInput,
  names: readonly string[],
  commands: readonly string[],
  previous: Completion | null,
): Completion | null {
  if (previous !== null && previous.before === input.before && previous.after === input.after) {
    const index = (previous.index + 1) % previous.matches.length;
    return { ...previous, index, before: withSuffix(previous.head, previous.matches[index]) };
  }
  const word = WORD_BEFORE_CURSOR.exec(input.before)?.[0] ?? "";
  if (word === "") return null;
  const head = input.before.slice(0, input.before.length - word.length);
  const isCommand = head === "" && word.startsWith(COMMAND_PREFIX);
  const lower = word.toLowerCase();
  const matches = (isCommand ? commands : names).filter((candidate) =>
    candidate.toLowerCase().startsWith(lower)
  );
  if (matches.length === 0) return null;
  return { before: withSuffix(head, matches[0]), after: input.after, matches, index: 0, head };
}

/** The head with a match and what follows it. */
function withSuffix(head: string, match: string): string {
  const addressing = head === "" && !match.startsWith(COMMAND_PREFIX);
  return head + match + (addressing ? ADDRESS_SUFFIX : WORD_SUFFIX);
}

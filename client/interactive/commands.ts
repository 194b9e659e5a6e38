/**
 * What a line submitted on the chat screen means: a message to send, or one of the slash
 * commands. Pure, so the rules are tested without a terminal.
 *
 * @module
 */

/** A submitted line, understood. */
export type ChatInput =
  /** Text to send to the room. */
  | { type: "say"; text: string }
  /** `/quit` or `/exit`: leave the room. */
  | { type: "quit" }
  /** `/who`: ask for the member list. */
  | { type: "who" }
  /** `/rooms`: list the server's rooms. */
  | { type: "rooms" }
  /** `/help`: show the commands. */
  | { type: "help" }
  /** `/me waves`: an action (`text` is "waves"; empty when nothing followed). */
  | { type: "action"; text: string }
  /** A slash command that does not exist; `name` includes the slash. */
  | { type: "unknown"; name: string };

const COMMAND_PREFIX = "/";
const ACTION_COMMAND = "/me";
/** A line starting with two slashes sends the rest, one slash kept, as a message. */
const ESCAPED_PREFIX = "//";

const COMMANDS: Readonly<Record<string, ChatInput>> = {
  "/quit": { type: "quit" },
  "/exit": { type: "quit" },
  "/who": { type: "who" },
  "/rooms": { type: "rooms" },
  "/help": { type: "help" },
};

/** Every command, as Tab completes them. */
export const COMMAND_NAMES: readonly string[] = [...Object.keys(COMMANDS), ACTION_COMMAND];

/** The `/help` text, one terminal line each. */
export const HELP_LINES: readonly string[] = [
  "/who           list the members of the room (the host is marked)",
  "/rooms         list the rooms on the server",
  "/me ACTION     say what you do: shown as * you ACTION",
  "/quit, /exit   leave the room (the host's leaving closes it for everyone)",
  "/help          this list",
  "//text         send a message that starts with a slash",
  "Tab: complete a name or a /command. PageUp/PageDown: scroll back through the chat",
  "Ctrl-C, or Ctrl-D on an empty line: like /quit. Up/Down: history. Ctrl-L: clear the screen",
];

/**
 * Parses a submitted line. A line starting with a slash is always a command, never sent, so a
 * mistyped command does not reach the room; the command word is matched case-insensitively and
 * words after it are ignored (only `/me` takes an argument: the rest of the line).
 *
 * @example
 * ```ts
 * parseChatInput("/who"); // { type: "who" }
 * parseChatInput("//shrug"); // { type: "say", text: "/shrug" }
 * parseChatInput("こんにちは"); // { type: "say", text: "こんにちは" }
 * ```
 */
export function parseChatInput(line: string): ChatInput {
  if (line.startsWith(ESCAPED_PREFIX)) return { type: "say", text: line.slice(1) };
  if (!line.startsWith(COMMAND_PREFIX)) return { type: "say", text: line };
  const name = line.split(/\s/u, 1)[0];
  if (name.toLowerCase() === ACTION_COMMAND) {
    return { type: "action", text: line.slice(name.length + 1).trim() };
  }
  return COMMANDS[name.toLowerCase()] ?? { type: "unknown", name };
}

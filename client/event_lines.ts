/**
 * How pipe mode writes events: one line each, as plain text or as JSON. Plain lines use the same
 * notice texts standard clients get (§3.3), with other people's text made terminal-safe and kept
 * on one line.
 *
 * @module
 */

import { formatTextNotice, type KaiwaEvent } from "../protocol/mod.ts";
import { sanitizeForTerminal } from "./tui/mod.ts";

/** In plain output, a History line (a message from before we joined) starts with this. */
export const HISTORY_PREFIX = "[history] ";

/**
 * What JSON.stringify leaves raw although a terminal acts on it (C1 controls such as the 8-bit
 * CSI 0x9b, DEL; the bidi controls that reorder what follows them: U+061C, U+200E, U+200F,
 * U+202A–U+202E, U+2066–U+2069) or a line-splitting reader breaks lines at it (U+2028, U+2029).
 */
const RAW_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;
const HEX = 16;
const ESCAPE_DIGITS = 4;

/**
 * `value` as one line of JSON that is inert on a terminal: JSON.stringify escapes C0 controls,
 * and this escapes C1 controls, DEL and the Unicode line and paragraph separators as `\uXXXX`
 * too (they can only occur inside strings, so the JSON means the same).
 *
 * @example
 * ```ts
 * toJsonLine({ text: "a\u2028b" }); // '{"text":"a\\u2028b"}'
 * ```
 */
export function toJsonLine(value: unknown): string {
  return JSON.stringify(value).replace(
    RAW_IN_JSON,
    (char) => `\\u${char.charCodeAt(0).toString(HEX).padStart(ESCAPE_DIGITS, "0")}`,
  );
}

/**
 * The line for an event, or null for events a pipe reader has no use for (Pong answers our
 * pings; in plain mode the member list answers our first ping too). A History message is
 * `[history] sender: text` in plain mode (so that a bot does not answer the past), and carries
 * `"history": true` in JSON.
 *
 * @example
 * ```ts
 * formatEventLine({ type: "chat", time: 0, seq: 1, sender: "ann", text: "hi" }, false); // "ann: hi"
 * ```
 */
export function formatEventLine(event: KaiwaEvent, json: boolean): string | null {
  if (event.type === "pong") return null;
  if (json) return toJsonLine(event);
  if (event.type === "chat") {
    const line = `${sanitizeForTerminal(event.sender)}: ${sanitizeForTerminal(event.text)}`;
    return event.history === true ? HISTORY_PREFIX + line : line;
  }
  const notice = formatTextNotice(event);
  return notice === null ? null : sanitizeForTerminal(notice);
}

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
  // JSON.stringify escapes every control character, so JSON lines are safe and single-line as is.
  if (json) return JSON.stringify(event);
  if (event.type === "chat") {
    const line = `${sanitizeForTerminal(event.sender)}: ${sanitizeForTerminal(event.text)}`;
    return event.history === true ? HISTORY_PREFIX + line : line;
  }
  const notice = formatTextNotice(event);
  return notice === null ? null : sanitizeForTerminal(notice);
}

/**
 * How pipe mode writes events: one line each, as plain text or as JSON. Plain lines use the same
 * notice texts standard clients get (§3.3), with other people's text made terminal-safe and kept
 * on one line.
 *
 * @module
 */

import { formatTextNotice, type KaiwaEvent } from "../protocol/mod.ts";
import { sanitizeForTerminal } from "./tui/mod.ts";

/**
 * The line for an event, or null for events a pipe reader has no use for (Pong answers our
 * pings; in plain mode the member list answers our first ping too).
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
    return `${sanitizeForTerminal(event.sender)}: ${sanitizeForTerminal(event.text)}`;
  }
  const notice = formatTextNotice(event);
  return notice === null ? null : sanitizeForTerminal(notice);
}

/**
 * What the end of a session means: its {@link EndReason}, and for a lost connection a sentence
 * for the user (the other endings were already shown as events).
 *
 * @module
 */

import { MS_PER_SECOND } from "../util/mod.ts";
import type { EndReason } from "./reason.ts";
import type { SessionEnd } from "./session.ts";

/**
 * The reason a session's end gives the run. A server shutting down and a server gone silent are
 * one reason: either way the server is gone.
 *
 * @example
 * ```ts
 * import { endReason } from "./session_end.ts";
 * endReason({ kind: "shutdown" }); // "connectionLost"
 * ```
 */
export function endReason(end: SessionEnd): EndReason {
  switch (end.kind) {
    case "left":
      return "left";
    case "room-closed":
      return "roomClosed";
    case "removed":
      return "removed";
    case "shutdown":
    case "lost":
      return "connectionLost";
  }
}

/**
 * The one-line explanation of a session's end, or null when an event already told the user.
 * `silenceLimitMs` is the session's own limit (`ChatSession.silenceLimitMs`), so that the
 * sentence says how long the server really was silent.
 *
 * @example
 * ```ts
 * import { endMessage } from "./session_end.ts";
 * endMessage({ kind: "lost" }, 7_000); // "Connection lost: the server has not answered for 7 seconds"
 * ```
 */
export function endMessage(end: SessionEnd, silenceLimitMs: number): string | null {
  if (end.kind !== "lost") return null;
  const seconds = silenceLimitMs / MS_PER_SECOND;
  return `Connection lost: the server has not answered for ${seconds} seconds`;
}

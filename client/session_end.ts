/**
 * What the end of a session means: its {@link Reason}, and for a lost connection a sentence
 * for the user (the other endings were already shown as events).
 *
 * @module
 */

import { MS_PER_SECOND } from "../util/mod.ts";
import type { Reason } from "./reason.ts";
import type { SessionEnd } from "./session.ts";

/**
 * The reason a session's end gives the run. A server shutting down and a server gone silent are
 * one reason: either way the server is gone. A room found gone by a rejoin closed while we were
 * in it, as far as we can tell: `roomClosed`, like the host leaving (`roomNotFound` is for a room
 * we never entered, so that a script tells an ended chat from a wrong name). A rejoin refused for
 * another reason ends with that refusal's reason.
 *
 * @example
 * ```ts
 * import { endReason } from "./session_end.ts";
 * endReason({ kind: "shutdown" }); // "connectionLost"
 * ```
 */
export function endReason(end: SessionEnd): Reason {
  switch (end.kind) {
    case "left":
      return "left";
    case "room-closed":
    case "room-gone":
      return "roomClosed";
    case "rejoin-refused":
      return end.error.reason;
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
  switch (end.kind) {
    case "lost": {
      const seconds = silenceLimitMs / MS_PER_SECOND;
      const silent = `Connection lost: the server has not answered for ${seconds} seconds`;
      const attempts = end.rejoinAttempts ?? 0;
      return attempts === 0 ? silent : `${silent}, nor to ${attempts} attempts to rejoin`;
    }
    case "room-gone":
      return "The room is gone: the server no longer has it (it restarted, or the room closed while we were away)";
    case "rejoin-refused":
      return `Cannot rejoin the room: ${end.error.message}`;
    default:
      return null;
  }
}

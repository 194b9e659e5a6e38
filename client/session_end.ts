/**
 * What the end of a session means for the process: its exit code, and for a lost connection a
 * sentence on stderr (the other endings were already shown as events).
 *
 * @module
 */

import { ExitCode } from "../cli/exit_codes.ts";
import { MS_PER_SECOND } from "../util/mod.ts";
import { DEFAULT_LIVENESS_CONFIG } from "./liveness.ts";
import type { SessionEnd } from "./session.ts";

/** The exit code for a session's end (see `kaiwa join --help`). */
export function exitCodeFor(end: SessionEnd): ExitCode {
  switch (end.kind) {
    case "left":
      return ExitCode.Ok;
    case "room-closed":
      return ExitCode.RoomClosed;
    case "removed":
      return ExitCode.Removed;
    case "shutdown":
    case "lost":
      return ExitCode.ConnectionLost;
  }
}

/** The one-line explanation for stderr, or null when an event already told the user. */
export function endMessage(end: SessionEnd): string | null {
  return end.kind === "lost"
    ? `Connection lost: the server has not answered for ${
      DEFAULT_LIVENESS_CONFIG.silenceLimitMs / MS_PER_SECOND
    } seconds`
    : null;
}

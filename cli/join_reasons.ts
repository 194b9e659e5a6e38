/**
 * What each way a `kaiwa join` ends means for the process: its exit code, and for a refusal the
 * command-line advice that goes with the client's sentence.
 *
 * @module
 */

import type { ClientError, FailureReason, Reason } from "../client/mod.ts";
import { ExitCode } from "./exit_codes.ts";

/**
 * The exit code of every reason. Typed as a complete record so that a new reason cannot be added
 * to the client without deciding its exit code.
 */
export const REASON_EXIT_CODES: Readonly<Record<Reason, ExitCode>> = {
  left: ExitCode.Ok,
  unreachable: ExitCode.Unreachable,
  roomNotFound: ExitCode.RoomNotFound,
  roomExists: ExitCode.RoomExists,
  wrongPassword: ExitCode.WrongPassword,
  nameTaken: ExitCode.NameTaken,
  invalidName: ExitCode.InvalidName,
  refused: ExitCode.Refused,
  passwordUnavailable: ExitCode.Usage,
  serverIdentityChanged: ExitCode.ServerIdentityChanged,
  roomClosed: ExitCode.RoomClosed,
  removed: ExitCode.Removed,
  connectionLost: ExitCode.ConnectionLost,
  undelivered: ExitCode.Undelivered,
};

/** What to do about a refusal, in flags; failures missing here need no advice. */
export const FLAG_HINTS: Readonly<Partial<Record<FailureReason, string>>> = {
  roomNotFound: "create it with --create",
  roomExists: "join it without --create",
};

/**
 * The exit code for how a join ended.
 *
 * @example
 * ```ts
 * import { exitCodeFor } from "./join_reasons.ts";
 * exitCodeFor("roomClosed"); // 10
 * ```
 */
export function exitCodeFor(reason: Reason): ExitCode {
  return REASON_EXIT_CODES[reason];
}

/**
 * A client failure as the command line reports it: the client's sentence, then the flag hint.
 *
 * @example
 * ```ts
 * import { ClientError } from "../client/mod.ts";
 * import { describeFailure } from "./join_reasons.ts";
 * describeFailure(new ClientError('Room "x" does not exist', "roomNotFound"));
 * // 'Room "x" does not exist; create it with --create'
 * ```
 */
export function describeFailure(error: ClientError): string {
  return error.withHint(FLAG_HINTS[error.reason]);
}

/**
 * Why a join ended, in the client's own terms. The client never decides what an ending means for
 * the process (exit codes) or how to fix it from a command line (flag hints): `cli/` maps every
 * reason to both, and the interactive menu words its own hints.
 *
 * @module
 */

/**
 * Why the client could not enter a room or talk to the server; every `ClientError` carries one.
 *
 * - `unreachable`: no connection, no answer in time, or an answer that is not TCRP.
 * - `roomNotFound`, `roomExists`, `wrongPassword`, `nameTaken`: the server's refusals (§2.4).
 * - `invalidName`: the server refused the room name or username as invalid.
 * - `refused`: room full, server full, too many requests, server error, or an unknown status.
 * - `passwordUnavailable`: the password's source (an environment variable) has none to give.
 * - `serverIdentityChanged`: the server's TLS certificate is not the pinned one (§2.8).
 */
export type FailureReason =
  | "unreachable"
  | "roomNotFound"
  | "roomExists"
  | "wrongPassword"
  | "nameTaken"
  | "invalidName"
  | "refused"
  | "passwordUnavailable"
  | "serverIdentityChanged";

/**
 * How a run that did not fail ended.
 *
 * - `left`: the user left the room, quit before entering one, or the input ended.
 * - `roomClosed`: the host left or the room closed while we were in it, or a rejoin found it gone.
 * - `removed`: the server removed us (inactivity).
 * - `connectionLost`: the server went silent (and could not be rejoined) or shut down.
 * - `undelivered`: pipe mode left the room (end of input) but some of its lines were not
 *   delivered (the server never confirmed them); each was written on stderr.
 */
export type EndReason = "left" | "roomClosed" | "removed" | "connectionLost" | "undelivered";

/** Every way a join can end. */
export type Reason = FailureReason | EndReason;

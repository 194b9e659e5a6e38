/**
 * The client's expected failures: each is one sentence for the user and a {@link FailureReason}.
 * The sentences give no command-line advice: whoever shows them adds the hint that fits (the
 * command line, or the interactive menu).
 *
 * @module
 */

import { Status } from "../protocol/mod.ts";
import type { FailureReason } from "./reason.ts";

/**
 * An expected failure of the client: the server is unreachable or refused, or a password is
 * missing. Its message is one sentence; `reason` says what kind of failure it is.
 *
 * @example
 * ```ts
 * import { ClientError } from "./errors.ts";
 * throw new ClientError('Room "lobby" is full', "refused");
 * ```
 */
export class ClientError extends Error {
  /** What kind of failure this is; `cli/` maps it to an exit code. */
  readonly reason: FailureReason;

  /** Creates a client error with a one-sentence message and its reason. */
  constructor(message: string, reason: FailureReason, options?: ErrorOptions) {
    super(message, options);
    this.name = "ClientError";
    this.reason = reason;
  }

  /**
   * The message followed by `hint`, advice worded for where it is shown, when there is one.
   *
   * @example
   * ```ts
   * import { ClientError } from "./errors.ts";
   * new ClientError('Room "x" does not exist', "roomNotFound").withHint("create it");
   * // 'Room "x" does not exist; create it'
   * ```
   */
  withHint(hint: string | undefined): string {
    return hint === undefined ? this.message : `${this.message}; ${hint}`;
  }
}

/**
 * What a refused create, join or list means for the user, by status code (§2.4).
 *
 * @example
 * ```ts
 * import { Status } from "../protocol/mod.ts";
 * import { refusalError } from "./errors.ts";
 * refusalError(Status.RoomNotFound, "lobby", "ann").reason; // "roomNotFound"
 * ```
 */
export function refusalError(status: number, room: string, username: string): ClientError {
  switch (status) {
    case Status.RoomExists:
      return new ClientError(`Room "${room}" already exists`, "roomExists");
    case Status.RoomNotFound:
      return new ClientError(`Room "${room}" does not exist`, "roomNotFound");
    case Status.WrongPassword:
      return new ClientError(`Wrong or missing password for room "${room}"`, "wrongPassword");
    case Status.InvalidRequest:
      return new ClientError(
        `The server refused room "${room}" or name "${username}" as invalid (1-255 bytes; no control or invisible characters, no blank at either end)`,
        "invalidName",
      );
    case Status.NameTaken:
      return new ClientError(
        `The name "${username}" is already taken in room "${room}"`,
        "nameTaken",
      );
    case Status.RoomFull:
      return new ClientError(`Room "${room}" is full`, "refused");
    case Status.TooManyRequests:
      return new ClientError(
        "Too many requests from this address; try again in a few seconds",
        "refused",
      );
    case Status.ServerFull:
      return new ClientError("The server has too many rooms; try again later", "refused");
    case Status.ServerError:
      return new ClientError("The server failed to handle the request; try again", "refused");
    default:
      return new ClientError(
        `The server refused the request with unknown status ${status}`,
        "refused",
      );
  }
}

/**
 * The client's expected failures: each is one sentence for the user and a distinct exit code.
 *
 * @module
 */

import { ExitCode } from "../cli/exit_codes.ts";
import { Status } from "../protocol/mod.ts";

/** An expected failure of `kaiwa join`: printed as one line, then the process exits with `exitCode`. */
export class ClientError extends Error {
  /** The process exit code this failure maps to (documented in `kaiwa join --help`). */
  readonly exitCode: ExitCode;

  /** Creates a client error with a one-sentence message and its exit code. */
  constructor(message: string, exitCode: ExitCode, options?: ErrorOptions) {
    super(message, options);
    this.name = "ClientError";
    this.exitCode = exitCode;
  }
}

/** What a refused create or join means for the user, by status code. */
export function refusalError(status: number, room: string, username: string): ClientError {
  switch (status) {
    case Status.RoomExists:
      return new ClientError(
        `Room "${room}" already exists; join it without --create`,
        ExitCode.RoomExists,
      );
    case Status.RoomNotFound:
      return new ClientError(
        `Room "${room}" does not exist; create it with --create`,
        ExitCode.RoomNotFound,
      );
    case Status.WrongPassword:
      return new ClientError(
        `Wrong or missing password for room "${room}"`,
        ExitCode.WrongPassword,
      );
    case Status.InvalidRequest:
      return new ClientError(
        `The server refused room "${room}" or name "${username}" as invalid (1-255 bytes; no control or invisible characters, no blank at either end)`,
        ExitCode.InvalidName,
      );
    case Status.NameTaken:
      return new ClientError(
        `The name "${username}" is already taken in room "${room}"`,
        ExitCode.NameTaken,
      );
    case Status.RoomFull:
      return new ClientError(`Room "${room}" is full`, ExitCode.Refused);
    case Status.TooManyRequests:
      return new ClientError(
        "Too many requests from this address; try again in a few seconds",
        ExitCode.Refused,
      );
    case Status.ServerFull:
      return new ClientError("The server has too many rooms; try again later", ExitCode.Refused);
    case Status.ServerError:
      return new ClientError(
        "The server failed to handle the request; try again",
        ExitCode.Refused,
      );
    default:
      return new ClientError(
        `The server refused the request with unknown status ${status}`,
        ExitCode.Refused,
      );
  }
}

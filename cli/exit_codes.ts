/**
 * The exit codes of `kaiwa`, with the one-line meanings `kaiwa join --help` prints. The client
 * never sees them: it ends with a reason, which `join_reasons.ts` maps to its code.
 *
 * @module
 */

/**
 * Every exit code `kaiwa` ends with. Scripts may rely on these numbers: never renumber them.
 *
 * @example
 * ```ts
 * import { ExitCode } from "./exit_codes.ts";
 * Deno.exitCode = ExitCode.Usage;
 * ```
 */
export const ExitCode = {
  /**
   * Normal end: the server stopped on SIGINT, SIGTERM or SIGHUP; the client left or its input
   * ended.
   */
  Ok: 0,
  /** The server cannot bind or listen (port in use, bad address); anything unexpected. */
  Failure: 1,
  /** Bad command line: unknown flag or subcommand, bad value. */
  Usage: 2,
  /** Client: cannot connect to the server (refused, DNS, timed out). */
  Unreachable: 3,
  /** Client: the room does not exist. */
  RoomNotFound: 4,
  /** Client: `--create` but the room exists. */
  RoomExists: 5,
  /** Client: wrong or missing password. */
  WrongPassword: 6,
  /** Client: the username is already in the room. */
  NameTaken: 7,
  /**
   * Client: the room name or username breaks the naming rules (found before connecting), or the
   * server refused it as invalid (status 4).
   */
  InvalidName: 8,
  /** Client: room full, server full, too many requests or server error (status 5, 7, 8, 9). */
  Refused: 9,
  /** Client: the host left or the room closed while we were in it, or a rejoin found it gone. */
  RoomClosed: 10,
  /** Client: the server went silent (no answer to pings, no rejoin) or shut down. */
  ConnectionLost: 11,
  /** Client: the server removed us (inactivity). */
  Removed: 12,
  /** Client: the server's TLS identity is not the pinned one (known_servers or --fingerprint). */
  ServerIdentityChanged: 13,
  /**
   * Client, pipe mode: the input ended and the room was left, but some lines were not delivered
   * (each is written on stderr). When the session ended otherwise first (room closed, connection
   * lost…), its own code is used, and the undelivered lines are written on stderr all the same.
   */
  Undelivered: 14,
} as const;

/** One of the exit codes in {@linkcode ExitCode}. */
export type ExitCode = typeof ExitCode[keyof typeof ExitCode];

/**
 * A one-line meaning for every exit code, as help text shows them. Typed as a complete record so
 * that a new code cannot be added without its meaning.
 */
export const EXIT_CODE_MEANINGS: Readonly<Record<ExitCode, string>> = {
  [ExitCode.Ok]: "Normal end: left the room or end of input (server: stopped by a signal)",
  [ExitCode.Failure]: "Unexpected failure (server: cannot bind or listen)",
  [ExitCode.Usage]: "Bad command line: unknown flag or subcommand, bad value",
  [ExitCode.Unreachable]:
    "Cannot reach the server (refused, unknown host, timed out) or use known_servers",
  [ExitCode.RoomNotFound]: "The room does not exist",
  [ExitCode.RoomExists]: "--create, but the room already exists",
  [ExitCode.WrongPassword]: "Wrong or missing password",
  [ExitCode.NameTaken]: "The username is already in the room",
  [ExitCode.InvalidName]: "The room name or username is invalid (said by kaiwa or the server)",
  [ExitCode.Refused]: "Refused: room full, server full, too many requests or server error",
  [ExitCode.RoomClosed]:
    "The room closed while we were in it (the host left), or a rejoin found it gone",
  [ExitCode.ConnectionLost]: "The server went silent and could not be rejoined, or shut down",
  [ExitCode.Removed]: "The server removed us for inactivity",
  [ExitCode.ServerIdentityChanged]:
    "The server's TLS identity is not the pinned one (known_servers or --fingerprint)",
  [ExitCode.Undelivered]:
    "Pipe mode: input ended, but lines were not delivered (listed on stderr; a session that ends otherwise keeps its own code)",
};

/**
 * The exit code table as help text: one `  <code>  <meaning>` line per code, in numeric order.
 *
 * @example
 * ```ts
 * import { formatExitCodes } from "./exit_codes.ts";
 * console.log(`Exit codes:\n${formatExitCodes()}`);
 * ```
 */
export function formatExitCodes(): string {
  const codes = Object.values(ExitCode).sort((a, b) => a - b);
  const width = String(codes[codes.length - 1]).length;
  return codes
    .map((code) => `  ${String(code).padStart(width)}  ${EXIT_CODE_MEANINGS[code]}`)
    .join("\n");
}

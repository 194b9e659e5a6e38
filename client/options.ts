/**
 * The client's settings, as `kaiwa join` flags set them, and their defaults.
 *
 * @module
 */

/** Where the room password comes from. */
export type PasswordSource =
  | { kind: "none" }
  | { kind: "prompt" }
  | { kind: "stdin" }
  | { kind: "env"; variable: string };

/** Everything `kaiwa join` can be told. */
export interface JoinOptions {
  /** Room to enter; asked for interactively when absent. */
  room: string | null;
  /** Username; asked for interactively when absent. */
  name: string | null;
  /** Create the room instead of joining it (`--create`). */
  create: boolean;
  /** Where the password comes from (`--password-prompt`, `--password-stdin`, `--password-env VAR`). */
  password: PasswordSource;
  /** Server host name or address (`--host`). */
  host: string;
  /** Server port, TCP and UDP (`--port`). */
  port: number;
  /** Write received events as JSON lines in pipe mode (`--json`). */
  json: boolean;
}

/** The defaults, as `kaiwa join --help` lists them. */
export const DEFAULT_JOIN_OPTIONS: Readonly<JoinOptions> = {
  room: null,
  name: null,
  create: false,
  password: { kind: "none" },
  host: "127.0.0.1",
  port: 9001,
  json: false,
};

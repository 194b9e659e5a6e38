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
  /** Ring the terminal bell on every mention, not only while the window is not in focus (`--bell`). */
  bell: boolean;
  /** Speak plain TCRP, without TLS, to a server that offers none (`--insecure-plaintext`). */
  insecurePlaintext: boolean;
  /** The server's TLS fingerprint to require, `SHA256:…` (`--fingerprint`); null: pin on first use. */
  fingerprint: string | null;
  /**
   * Directory of the `known_servers` file (`--data-dir`); `kaiwa join` fills in the platform's
   * state directory when it is null and the file is needed.
   */
  dataDir: string | null;
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
  bell: false,
  insecurePlaintext: false,
  fingerprint: null,
  dataDir: null,
};

/** The file of pinned server identities in the data directory (docs/protocol.md §2.8). */
export const KNOWN_SERVERS_FILE = "known_servers";

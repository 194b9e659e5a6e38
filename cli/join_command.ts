/**
 * `kaiwa join`: its flags, its help text (with the exit codes), and the parser that turns them
 * into {@linkcode JoinOptions}.
 *
 * @module
 */

import { canonicalName } from "../protocol/mod.ts";
// The one import of client/ past its mod.ts: the options are plain data, and parsing a command
// line must not load the client (main.ts loads it only to run `kaiwa join`).
import { DEFAULT_JOIN_OPTIONS, type JoinOptions, type PasswordSource } from "../client/options.ts";
import { type Environment, envName } from "./environment.ts";
import { formatExitCodes } from "./exit_codes.ts";
import { type FlagSpec, formatFlags, HELP_FLAG, type ParsedFlags, parseFlags } from "./flags.ts";
import { UsageError } from "./usage_error.ts";
import { parseFingerprint, parsePort, parseText } from "./values.ts";

const D = DEFAULT_JOIN_OPTIONS;

/** The password flags; at most one may be given. */
const PASSWORD_FLAGS = ["password-prompt", "password-stdin", "password-env"] as const;

/** The flags of `kaiwa join`, in help order. Defaults come from `DEFAULT_JOIN_OPTIONS`. */
export const JOIN_FLAGS: readonly FlagSpec[] = [
  { name: "name", value: "NAME", help: "Your username (asked for when absent)", env: true },
  { name: "create", help: "Create the room and become its host", default: String(D.create) },
  { name: "password-prompt", help: "Ask for the room password without echoing it" },
  { name: "password-stdin", help: "Read the room password from the first line of stdin" },
  { name: "password-env", value: "VAR", help: "Read the room password from variable VAR" },
  {
    name: "host",
    value: "HOST",
    help: "Server host name or address",
    default: D.host,
    env: true,
  },
  {
    name: "port",
    value: "N",
    help: "Server port, TCP and UDP, 1-65535",
    default: String(D.port),
    env: true,
  },
  { name: "json", help: "Write received events as JSON lines", default: String(D.json) },
  {
    name: "fingerprint",
    value: "SHA256:…",
    help: "Require this server TLS identity (known_servers is then not used)",
  },
  {
    name: "insecure-plaintext",
    help: "Talk to a server without TLS: password and token in clear",
    default: String(D.insecurePlaintext),
  },
  {
    name: "data-dir",
    value: "DIR",
    help: "Where known_servers pins server identities on first use",
    default: "the platform's state directory, e.g. ~/.local/state/kaiwa",
    env: true,
  },
  HELP_FLAG,
];

/** The flags of `kaiwa join` that read a variable, as help text lists them. */
const JOIN_VARIABLES = JOIN_FLAGS.filter((spec) => spec.env === true)
  .map((spec) => `${envName(spec.name)} (--${spec.name})`)
  .join(", ");

/** The help text of `kaiwa join`. */
export const JOIN_USAGE = `Usage: kaiwa join [ROOM] [flags]

Enters the chat room ROOM on a kaiwa server, or creates it with --create. In a terminal,
without ROOM or --name it shows a menu (create, join, list rooms, quit) and asks for what is
missing; in the chat, /help lists the commands, and /quit, Ctrl-C or Ctrl-D on an empty line
leave (a host is warned first: leaving closes the room). With stdin not a terminal it is a pipe:
one message per input line, one received event per output line; end of input leaves the room
once every line is confirmed (paced by the server's flood limit; lines not delivered are listed
on stderr, exit code 14 or the session's own). History lines start with "[history] ".
The password flags exclude each other; without one, no password is sent.
The room request travels inside TLS: the server's certificate fingerprint is pinned on first
use in DIR/known_servers (one "host:port SHA256:…" line per server), and a server that later
shows another is refused (exit code 13); --fingerprint pins it explicitly.
These variables stand for their flags when the flag is not given:
  ${JOIN_VARIABLES}.

Flags:
${formatFlags(JOIN_FLAGS)}

Exit codes:
${formatExitCodes()}`;

/**
 * Turns the arguments after `kaiwa join` into {@linkcode JoinOptions}; what is not given keeps
 * its default. Throws {@linkcode UsageError} for an unknown flag, a bad value, a second room or
 * more than one password flag.
 *
 * @example
 * ```ts
 * import { parseJoinArgs } from "./join_command.ts";
 * parseJoinArgs(["lobby", "--name", "alice"]).room; // "lobby"
 * ```
 */
export function parseJoinArgs(args: readonly string[], env: Environment = {}): JoinOptions {
  const flags = parseFlags(args, JOIN_FLAGS, 1, env);
  const options: JoinOptions = { ...DEFAULT_JOIN_OPTIONS };
  const room = flags.positionals[0];
  // Names in NFC, as the server stores them (§1.2), so the session recognises its own name.
  if (room !== undefined) options.room = canonicalName(parseText(room, "ROOM"));
  const name = flags.string("name");
  if (name !== undefined) options.name = canonicalName(parseText(name, flags.label("name")));
  const host = flags.string("host");
  if (host !== undefined) options.host = parseText(host, flags.label("host"));
  const port = flags.string("port");
  if (port !== undefined) options.port = parsePort(port, flags.label("port"), 1);
  if (flags.boolean("create")) options.create = true;
  if (flags.boolean("json")) options.json = true;
  if (flags.boolean("insecure-plaintext")) options.insecurePlaintext = true;
  const fingerprint = flags.string("fingerprint");
  if (fingerprint !== undefined) {
    options.fingerprint = parseFingerprint(fingerprint, "--fingerprint");
  }
  const dataDir = flags.string("data-dir");
  if (dataDir !== undefined) options.dataDir = parseText(dataDir, flags.label("data-dir"));
  if (options.insecurePlaintext && options.fingerprint !== null) {
    throw new UsageError("--insecure-plaintext and --fingerprint exclude each other");
  }
  options.password = parsePasswordSource(flags);
  return options;
}

/** Picks the password source from the password flags, refusing more than one. */
function parsePasswordSource(flags: ParsedFlags): PasswordSource {
  const variable = flags.string("password-env");
  const chosen = PASSWORD_FLAGS.filter((name) =>
    name === "password-env" ? variable !== undefined : flags.boolean(name)
  );
  if (chosen.length > 1) {
    throw new UsageError(`${chosen.map((name) => `--${name}`).join(" and ")} exclude each other`);
  }
  switch (chosen[0]) {
    case "password-prompt":
      return { kind: "prompt" };
    case "password-stdin":
      return { kind: "stdin" };
    case "password-env":
      return { kind: "env", variable: parseText(variable ?? "", "--password-env") };
    case undefined:
      return D.password;
  }
}

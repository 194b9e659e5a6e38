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
import { parseServerTrust, TRUST_FLAGS } from "./trust_flags.ts";
import { UsageError } from "./usage_error.ts";
import { parsePort, parseText } from "./values.ts";

const D = DEFAULT_JOIN_OPTIONS;

/** The password flags; at most one may be given. */
const PASSWORD_FLAGS = ["password-prompt", "password-stdin", "password-env"] as const;

/**
 * The flags of `kaiwa join`, in help order, each line short enough for 80 columns. Defaults come
 * from `DEFAULT_JOIN_OPTIONS`; switches (off by default) show none.
 */
export const JOIN_FLAGS: readonly FlagSpec[] = [
  {
    name: "name",
    value: "NAME",
    help: "Your username (asked for when absent)",
    env: true,
  },
  { name: "create", help: "Create the room and become its host" },
  { name: "password-prompt", help: "Ask for the room password, not echoed" },
  { name: "password-stdin", help: "Read the room password from stdin's first line" },
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
    help: "Server port, TCP and UDP",
    default: String(D.port),
    env: true,
  },
  { name: "json", help: "Pipe mode: write events as JSON lines" },
  { name: "bell", help: "Ring the bell on each mention, not only unfocused" },
  ...TRUST_FLAGS,
  HELP_FLAG,
];

/** The flags of `kaiwa join` that read a variable. */
const ENV_FLAGS = JOIN_FLAGS.filter((spec) => spec.env === true);
/** Those variables with their flags, as the full help lists them. */
const JOIN_VARIABLES = ENV_FLAGS.map((spec) => `${envName(spec.name)} (--${spec.name})`)
  .join(", ");

/** The help text of `kaiwa join --help`: one screen. `kaiwa help join` adds the details. */
export const JOIN_USAGE = `Usage: kaiwa join [ROOM] [flags]

Enters the chat room ROOM on a kaiwa server, or creates it with --create. In a
terminal a menu asks what is missing; with stdin not a terminal it is a pipe.

Flags:
${formatFlags(JOIN_FLAGS)}

${ENV_FLAGS.map((spec) => envName(spec.name)).join(", ")} stand for their flags.
In the chat: /help lists the commands, Tab completes, PageUp scrolls back.
Exit codes: 0 left, 2 usage, 3 unreachable, 4-9 refused, 10-12 room or server
gone, 13 server identity, 14 undelivered. 'kaiwa help join' tells all.`;

/** The full help of `kaiwa join` (`kaiwa help join`): the chat, pipe mode, trust, exit codes. */
export const JOIN_MANUAL = `Usage: kaiwa join [ROOM] [flags]

Enters the chat room ROOM on a kaiwa server, or creates it with --create.

Interactive mode (stdin is a terminal): without ROOM or --name a menu (create, join, list
rooms, quit) asks for what is missing. Messages appear above the line being typed; long ones
are wrapped with an indent, a day-change line marks a new day, and a message that names you is
highlighted and rings the bell while the window is not in focus (always with --bell). The prompt
shows the room, its member count, lines unread while scrolled back and messages being sent.
  /who, /rooms, /me ACTION, /help; /quit, Ctrl-C or Ctrl-D on an empty line leave (a host is
  warned first: leaving closes the room). Tab completes a name or a /command; PageUp/PageDown
  scroll back through the chat; Up/Down recall sent lines; Ctrl-L clears the screen.
  When the server restarts, the client enters the room again by itself.

Pipe mode (stdin not a terminal): one message per input line, one received event per output
line (--json: one JSON object per line). End of input leaves once every line is confirmed
(lines not delivered are listed on stderr, exit code 14 or the session's own). History lines
start with "[history] ". The password flags exclude each other; without one, none is sent.

Trust: the room request travels inside TLS. The server's certificate fingerprint is pinned on
first use in DIR/known_servers (one "host:port SHA256:…" line per server; said in one line, to
compare with the fingerprint the server printed), and a server that later shows another is refused
(exit code 13); --fingerprint pins it explicitly.

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
  // Names in NFC, as the server stores them (§1.2), so the session recognises its own name. The
  // naming rules are checked when the command runs (`checkNames`): a bad name has its own exit code.
  if (room !== undefined) options.room = canonicalName(parseText(room, "ROOM"));
  const name = flags.string("name");
  if (name !== undefined) options.name = canonicalName(parseText(name, flags.label("name")));
  const host = flags.string("host");
  if (host !== undefined) options.host = parseText(host, flags.label("host"));
  const port = flags.string("port");
  if (port !== undefined) options.port = parsePort(port, flags.label("port"), 1);
  if (flags.boolean("create")) options.create = true;
  if (flags.boolean("json")) options.json = true;
  if (flags.boolean("bell")) options.bell = true;
  parseServerTrust(flags, options);
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

/**
 * `kaiwa rooms`: its flags, its help text, and the parser that turns them into
 * {@linkcode RoomsOptions}.
 *
 * @module
 */

// As join_command.ts: the options are plain data, and parsing must not load the client.
import { DEFAULT_JOIN_OPTIONS, type JoinOptions } from "../client/options.ts";
import { type Environment, envName } from "./environment.ts";
import { ExitCode } from "./exit_codes.ts";
import { type FlagSpec, formatFlags, HELP_FLAG, parseFlags } from "./flags.ts";
import { parseServerTrust, TRUST_FLAGS } from "./trust_flags.ts";
import { parsePort, parseText } from "./values.ts";

const D = DEFAULT_JOIN_OPTIONS;

/** What `kaiwa rooms` can be told: where the server is, how to trust it, how to print. */
export type RoomsOptions = Pick<
  JoinOptions,
  "host" | "port" | "json" | "insecurePlaintext" | "fingerprint" | "dataDir"
>;

/** The flags of `kaiwa rooms`, in help order; those it shares with `kaiwa join` mean the same. */
export const ROOMS_FLAGS: readonly FlagSpec[] = [
  { name: "host", value: "HOST", help: "Server host name or address", default: D.host, env: true },
  { name: "port", value: "N", help: "Server port, 1-65535", default: String(D.port), env: true },
  { name: "json", help: "Write the list as one JSON object", default: String(D.json) },
  ...TRUST_FLAGS,
  HELP_FLAG,
];

/** The flags that read a variable, as help text lists them. */
const ROOMS_VARIABLES = ROOMS_FLAGS.filter((spec) => spec.env === true)
  .map((spec) => envName(spec.name))
  .join(", ");

/** The help text of `kaiwa rooms`. */
export const ROOMS_USAGE = `Usage: kaiwa rooms [flags]

Lists the rooms of a kaiwa server and exits: one "NAME<TAB>MEMBERS<TAB>password|open" line per
room (none when there are no rooms), or with --json one {"rooms":[…],"truncated":…} object.
It asks over TLS and pins the server's identity as kaiwa join does. Usable as a health probe.
Exit codes: ${ExitCode.Ok} the server answered; ${ExitCode.Unreachable} it cannot be reached (refused, unknown host, no
answer in time); ${ExitCode.Refused} it refused (too many requests); ${ExitCode.ServerIdentityChanged} its TLS identity is not the
pinned one; ${ExitCode.Usage} bad command line.
${ROOMS_VARIABLES} stand for their flags when the flag is not given.

Flags:
${formatFlags(ROOMS_FLAGS)}`;

/**
 * Turns the arguments after `kaiwa rooms` into {@linkcode RoomsOptions}, with the variables of
 * `env`. Throws {@linkcode UsageError} for an unknown flag, a bad value or an argument.
 *
 * @example
 * ```ts
 * import { parseRoomsArgs } from "./rooms_command.ts";
 * parseRoomsArgs(["--port", "9002", "--json"]).json; // true
 * ```
 */
export function parseRoomsArgs(args: readonly string[], env: Environment = {}): RoomsOptions {
  const flags = parseFlags(args, ROOMS_FLAGS, 0, env);
  const options: RoomsOptions = {
    host: D.host,
    port: D.port,
    json: flags.boolean("json"),
    insecurePlaintext: D.insecurePlaintext,
    fingerprint: D.fingerprint,
    dataDir: D.dataDir,
  };
  const host = flags.string("host");
  if (host !== undefined) options.host = parseText(host, flags.label("host"));
  const port = flags.string("port");
  if (port !== undefined) options.port = parsePort(port, flags.label("port"), 1);
  parseServerTrust(flags, options);
  return options;
}

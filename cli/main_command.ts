/**
 * The top level of the command line: `kaiwa [--help | --version] <command> [args]`. It decides
 * what to do without doing it, so that every command line can be tested without running a
 * server or a client.
 *
 * @module
 */

import type { JoinOptions } from "../client/mod.ts";
import type { ServeOptions } from "../server/options.ts";
import type { Environment } from "./environment.ts";
import { type FlagSpec, formatFlags, HELP_FLAG, parseFlags, wantsHelp } from "./flags.ts";
import { JOIN_MANUAL, JOIN_USAGE, parseJoinArgs } from "./join_command.ts";
import { parseRoomsArgs, ROOMS_USAGE, type RoomsOptions } from "./rooms_command.ts";
import { parseServeArgs, SERVE_USAGE } from "./serve_command.ts";
import { UsageError } from "./usage_error.ts";

/** The flags `kaiwa` takes before its command. */
const MAIN_FLAGS: readonly FlagSpec[] = [
  HELP_FLAG,
  { name: "version", short: "V", help: "Print the version and exit (also -v)" },
];

/** `-v` is taken for `--version` too, as most tools do. */
const SHORT_VERSION = "-v";

/** The top-level help text. */
export const MAIN_USAGE = `Usage: kaiwa <command> [flags]

A chat messenger for the terminal: rooms over TCP, messages over UDP.

Commands:
  serve         Run the chat server
  join [ROOM]   Enter (or --create) a chat room on a server
  rooms         List a server's rooms and exit (exit code 3: unreachable)
  help [CMD]    Show the help of kaiwa or of a command

Flags:
${formatFlags(MAIN_FLAGS)}

Run 'kaiwa <command> --help' for the flags of a command, 'kaiwa help <command>' for all of it.`;

/** What \`kaiwa help <command>\` shows for each command. */
const MANUALS: Readonly<Record<string, () => string>> = {
  serve: () => SERVE_USAGE,
  join: () => JOIN_MANUAL,
  rooms: () => ROOMS_USAGE,
};

/** What a command line asks for. */
export type MainCommand =
  | { kind: "help"; usage: string }
  | { kind: "version" }
  | { kind: "serve"; options: ServeOptions }
  | { kind: "join"; options: JoinOptions }
  | { kind: "rooms"; options: RoomsOptions };

/**
 * Works out what `args` (the arguments after `kaiwa`) ask for, with the flags' variables read
 * from `env` (the process's `KAIWA_*` variables; none by default). Throws
 * {@linkcode UsageError}, always carrying the help text of the command concerned, when they make
 * no sense.
 *
 * @example
 * ```ts
 * import { parseMainArgs } from "./main_command.ts";
 * parseMainArgs(["serve", "--port", "0"]); // { kind: "serve", options: { port: 0, ... } }
 * ```
 */
export function parseMainArgs(args: readonly string[], env: Environment = {}): MainCommand {
  const commandAt = args.findIndex((arg) => !arg.startsWith("-"));
  const leading = (commandAt === -1 ? args : args.slice(0, commandAt)).map((arg) =>
    arg === SHORT_VERSION ? "--version" : arg
  );
  const flags = withUsage(MAIN_USAGE, () => parseFlags(leading, MAIN_FLAGS));
  if (flags.boolean("help")) return { kind: "help", usage: MAIN_USAGE };
  if (flags.boolean("version")) {
    if (commandAt !== -1) throw new UsageError("--version takes no command", MAIN_USAGE);
    return { kind: "version" };
  }
  if (commandAt === -1) throw new UsageError("Missing command", MAIN_USAGE);
  const rest = args.slice(commandAt + 1);
  switch (args[commandAt]) {
    case "serve":
      if (wantsHelp(rest)) return { kind: "help", usage: SERVE_USAGE };
      return { kind: "serve", options: withUsage(SERVE_USAGE, () => parseServeArgs(rest, env)) };
    case "join":
      if (wantsHelp(rest)) return { kind: "help", usage: JOIN_USAGE };
      return { kind: "join", options: withUsage(JOIN_USAGE, () => parseJoinArgs(rest, env)) };
    case "rooms":
      if (wantsHelp(rest)) return { kind: "help", usage: ROOMS_USAGE };
      return { kind: "rooms", options: withUsage(ROOMS_USAGE, () => parseRoomsArgs(rest, env)) };
    case "help": {
      if (rest.length === 0) return { kind: "help", usage: MAIN_USAGE };
      const manual = rest.length === 1 ? MANUALS[rest[0]] : undefined;
      if (manual === undefined) throw new UsageError(`No help for '${rest.join(" ")}'`, MAIN_USAGE);
      return { kind: "help", usage: manual() };
    }
    default:
      throw new UsageError(`Unknown command '${args[commandAt]}'`, MAIN_USAGE);
  }
}

/** Runs `parse`, giving a usage error from it the help text of the command being parsed. */
function withUsage<T>(usage: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    if (error instanceof UsageError && error.usage === "") {
      throw new UsageError(error.message, usage, { cause: error });
    }
    throw error;
  }
}

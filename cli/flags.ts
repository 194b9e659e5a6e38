/**
 * One table per command describes its flags; the parser and the help text are both built from
 * it, so a flag cannot be parsed without being documented, or the reverse.
 *
 * The parser is kaiwa's own, not `node:util`'s `parseArgs`: every command parses its flags, and
 * the first `node:` module a process imports loads Deno's node compatibility layer, 6 MiB of
 * resident memory that `kaiwa serve` otherwise never needs (docs/performance.md, "What limits …
 * Memory"). It reads what the tables describe and nothing more: `--name value`, `--name=value`,
 * switches, one-letter aliases (`-h`, not grouped), `--` ending the flags.
 *
 * @module
 */

import { neutralizeString } from "../protocol/mod.ts";
import { type Environment, envName, SWITCH_WORDS, switchValue } from "./environment.ts";
import { UsageError } from "./usage_error.ts";

/** One flag of a command. */
export interface FlagSpec {
  /** Long name without the dashes, e.g. `"port"` for `--port`. */
  readonly name: string;
  /** One-letter alias, e.g. `"h"` for `-h`. */
  readonly short?: string;
  /** Placeholder of the flag's value in help text (`"N"`, `"ADDR"`); absent for a switch. */
  readonly value?: string;
  /** What the flag does, one line. */
  readonly help: string;
  /** The default as help text shows it; absent when there is nothing to show. */
  readonly default?: string;
  /** True when the flag may also be set by its variable, `KAIWA_<NAME>` (`envName`). */
  readonly env?: boolean;
}

/** The help flag every command accepts. */
export const HELP_FLAG: FlagSpec = { name: "help", short: "h", help: "Show this help and exit" };

/** What {@linkcode parseFlags} found, with typed access by flag name. */
export interface ParsedFlags {
  /**
   * The value of a flag that takes one: from the command line, else from its variable (an empty
   * variable counts as unset), else undefined.
   */
  string(name: string): string | undefined;
  /**
   * Whether a switch is on: given on the command line, else as its variable says (throws a
   * {@linkcode UsageError} naming the variable when it says neither yes nor no).
   */
  boolean(name: string): boolean;
  /**
   * What to call the flag in an error about its value: `--name`, or its variable when the value
   * came from there.
   */
  label(name: string): string;
  /** True when the flag was given on the command line (not from its variable). */
  onCommandLine(name: string): boolean;
  /** The arguments that are not flags, in order. */
  readonly positionals: readonly string[];
}

/** Marks the end of the flags: everything after it is a positional argument. */
const END_OF_FLAGS = "--";
/** A negative number: a value (`--port -1`, checked as a port), not a flag. */
const NEGATIVE_NUMBER = /^-\d/;

/**
 * Parses `args` strictly against `specs`: an unknown flag, a missing value, a value given to a
 * switch, or a positional argument beyond `maxPositionals` is a {@linkcode UsageError}. A flag
 * given twice keeps its last value. A flag with `env` not on the command line is read from
 * `env`, its variable (see `envName`).
 *
 * @example
 * ```ts
 * import { parseFlags } from "./flags.ts";
 * const flags = parseFlags(["--port", "9001"], [{ name: "port", value: "N", help: "Port" }]);
 * flags.string("port"); // "9001"
 * ```
 */
export function parseFlags(
  args: readonly string[],
  specs: readonly FlagSpec[],
  maxPositionals = 0,
  env: Environment = {},
): ParsedFlags {
  const { values, positionals } = readArgs(args, specs);
  if (positionals.length > maxPositionals) {
    const extra = positionals[maxPositionals];
    // `deno task serve -- --port 0` (npm's habit) hands kaiwa the `--`, after which every word
    // is an argument: say so rather than leave a flag looking unknown.
    const hint = extra.startsWith("-") && args.includes(END_OF_FLAGS)
      ? ` ('${END_OF_FLAGS}' ends the flags: leave it out)`
      : "";
    throw new UsageError(`Unexpected argument '${extra}'${hint}`);
  }
  const readsEnv = new Set(specs.filter((spec) => spec.env === true).map((spec) => spec.name));
  /** The variable's value for a flag that reads one, unless the command line gives the flag. */
  const variable = (name: string): string | undefined => {
    if (values.has(name) || !readsEnv.has(name)) return undefined;
    const value = env[envName(name)];
    return value === "" ? undefined : value;
  };
  return {
    string: (name) => {
      const value = values.get(name);
      return typeof value === "string" ? value : variable(name);
    },
    boolean: (name) => {
      if (values.get(name) === true) return true;
      const text = variable(name);
      if (text === undefined) return false;
      const on = switchValue(text);
      if (on === undefined) {
        throw new UsageError(
          `Invalid value for ${envName(name)}: '${text}' is not ${SWITCH_WORDS}`,
        );
      }
      return on;
    },
    label: (name) => variable(name) === undefined ? `--${name}` : envName(name),
    onCommandLine: (name) => values.has(name),
    positionals,
  };
}

/** What the command line gave: each flag's value (true for a switch), and the other words. */
interface ReadArgs {
  readonly values: Map<string, string | true>;
  readonly positionals: string[];
}

/**
 * Splits `args` into flags (by `specs`) and positional arguments.
 *
 * @throws {UsageError} for an unknown flag, a switch given a value, a flag without its value.
 */
function readArgs(args: readonly string[], specs: readonly FlagSpec[]): ReadArgs {
  const byLabel = new Map<string, FlagSpec>();
  for (const spec of specs) {
    byLabel.set(`--${spec.name}`, spec);
    if (spec.short !== undefined) byLabel.set(`-${spec.short}`, spec);
  }
  const values = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === END_OF_FLAGS) {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!looksLikeFlag(arg)) {
      positionals.push(arg);
      continue;
    }
    const equals = arg.startsWith("--") ? arg.indexOf("=") : -1;
    const label = equals === -1 ? arg : arg.slice(0, equals);
    const spec = byLabel.get(label);
    if (spec === undefined) throw new UsageError(`Unknown option '${label}'`);
    if (spec.value === undefined) {
      if (equals !== -1) throw new UsageError(`Option '${label}' does not take an argument`);
      values.set(spec.name, true);
      continue;
    }
    if (equals !== -1) {
      values.set(spec.name, arg.slice(equals + 1));
      continue;
    }
    const next = args[i + 1];
    // A word that looks like a flag is one (`--name --create` forgot the name), unless it is
    // "-" or a negative number, which the value's own check then takes or refuses.
    if (next === undefined || (looksLikeFlag(next) && !NEGATIVE_NUMBER.test(next))) {
      throw new UsageError(`Option '${label} <${spec.value}>' argument missing`);
    }
    values.set(spec.name, next);
    i++;
  }
  return { values, positionals };
}

/** True for a word starting with "-", except a lone "-" (a conventional name for stdin). */
function looksLikeFlag(arg: string): boolean {
  return arg.startsWith("-") && arg !== "-";
}

/**
 * Whether the command line asks for help (`-h` or `--help` before any `--`). Help wins over
 * every other flag, even a bad one, so that `kaiwa serve --port x --help` still shows it.
 */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === END_OF_FLAGS) return false;
    if (arg === "-h" || arg === "--help") return true;
  }
  return false;
}

/**
 * Formats `specs` as the aligned flag list of a help text, one line per flag with its default.
 *
 * @example
 * ```ts
 * import { formatFlags } from "./flags.ts";
 * formatFlags([{ name: "port", value: "N", help: "Port", default: "9001" }]);
 * // "  --port N  Port (default: 9001)"
 * ```
 */
export function formatFlags(specs: readonly FlagSpec[]): string {
  const labels = specs.map((spec) => {
    const long = `--${spec.name}${spec.value === undefined ? "" : ` ${spec.value}`}`;
    return spec.short === undefined ? `    ${long}` : `-${spec.short}, ${long}`;
  });
  const width = Math.max(...labels.map((label) => label.length));
  return specs
    .map((spec, i) => {
      const fallback = spec.default === undefined ? "" : ` (default: ${spec.default})`;
      return `  ${labels[i].padEnd(width)}  ${spec.help}${fallback}`;
    })
    .join("\n");
}

/**
 * Puts a possibly multi-line message on one line, as error output shows it, with any other
 * control character (from a name or value the user gave) shown as U+FFFD instead of acting.
 */
export function oneLine(message: string): string {
  return neutralizeString(message.replace(/\s*\n\s*/g, " ").trim());
}

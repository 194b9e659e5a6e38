/**
 * kaiwa's flag parser (cli/flags.ts) on its own: what it accepts and how it refuses. The commands'
 * tables and messages are tested through them in cli_test.ts and cli_env_test.ts.
 *
 * @module
 */

import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import { type FlagSpec, parseFlags } from "../cli/flags.ts";
import { UsageError } from "../cli/usage_error.ts";

const SPECS: readonly FlagSpec[] = [
  { name: "port", short: "p", value: "N", help: "Port", env: true },
  { name: "quiet", short: "q", help: "Quiet", env: true },
  { name: "name", value: "NAME", help: "Name" },
];

Deno.test("flags: values by space or '=', switches, aliases, the last of a repeated flag", () => {
  const flags = parseFlags(["-q", "--port", "1", "--name=a=b", "--port=2", "room"], SPECS, 1);
  strictEqual(flags.string("port"), "2");
  strictEqual(flags.string("name"), "a=b");
  strictEqual(flags.boolean("quiet"), true);
  deepStrictEqual(flags.positionals, ["room"]);
  strictEqual(parseFlags(["-p", "9"], SPECS).string("port"), "9");
  strictEqual(parseFlags(["--name="], SPECS).string("name"), "");
  strictEqual(parseFlags([], SPECS).string("name"), undefined);
  strictEqual(parseFlags([], SPECS).boolean("quiet"), false);
});

Deno.test("flags: '--' ends them; '-' and negative numbers are words", () => {
  deepStrictEqual(parseFlags(["a", "--", "--port", "-q"], SPECS, 4).positionals, [
    "a",
    "--port",
    "-q",
  ]);
  strictEqual(parseFlags(["--port", "-1"], SPECS).string("port"), "-1");
  strictEqual(parseFlags(["--name", "-"], SPECS).string("name"), "-");
  deepStrictEqual(parseFlags(["-"], SPECS, 1).positionals, ["-"]);
});

Deno.test("flags: the command line wins over the variable, which fills in otherwise", () => {
  const env = { KAIWA_PORT: "7", KAIWA_QUIET: "1" };
  const fromEnv = parseFlags([], SPECS, 0, env);
  strictEqual(fromEnv.string("port"), "7");
  strictEqual(fromEnv.boolean("quiet"), true);
  strictEqual(fromEnv.label("port"), "KAIWA_PORT");
  strictEqual(fromEnv.onCommandLine("port"), false);
  const given = parseFlags(["--port", "8"], SPECS, 0, env);
  strictEqual(given.string("port"), "8");
  strictEqual(given.label("port"), "--port");
  strictEqual(given.onCommandLine("port"), true);
});

Deno.test("flags: each bad command line is a UsageError that says what is wrong", () => {
  const cases: [string[], string][] = [
    [["--bogus"], "Unknown option '--bogus'"],
    [["--bogus=1"], "Unknown option '--bogus'"],
    [["-x"], "Unknown option '-x'"],
    [["-qp"], "Unknown option '-qp'"],
    [["--quiet=yes"], "Option '--quiet' does not take an argument"],
    [["--port"], "Option '--port <N>' argument missing"],
    [["--name", "--quiet"], "Option '--name <NAME>' argument missing"],
    [["-p"], "Option '-p <N>' argument missing"],
    [["a"], "Unexpected argument 'a'"],
    [["--", "--port"], "Unexpected argument '--port' ('--' ends the flags: leave it out)"],
  ];
  for (const [args, message] of cases) {
    throws(() => parseFlags(args, SPECS), (error) => {
      strictEqual(error instanceof UsageError, true, args.join(" "));
      strictEqual((error as Error).message, message);
      return true;
    });
  }
});

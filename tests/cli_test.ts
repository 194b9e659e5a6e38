import { deepStrictEqual, match, ok, strictEqual, throws } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import config from "../deno.json" with { type: "json" };
import { DEFAULT_JOIN_OPTIONS, type JoinOptions } from "../client/options.ts";
import { DEFAULT_SERVE_OPTIONS, type ServeOptions } from "../server/options.ts";
import { EXIT_CODE_MEANINGS, ExitCode } from "../cli/exit_codes.ts";
import { JOIN_FLAGS, JOIN_MANUAL, JOIN_USAGE, parseJoinArgs } from "../cli/join_command.ts";
import { MAIN_USAGE, parseMainArgs } from "../cli/main_command.ts";
import { parseServeArgs, SERVE_FLAGS, SERVE_USAGE } from "../cli/serve_command.ts";
import { HELP_FLAG } from "../cli/flags.ts";
import { formatUnexpectedError } from "../cli/unexpected_error.ts";
import { UsageError, usageHint } from "../cli/usage_error.ts";
import { MAX_SECONDS } from "../cli/values.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const decoder = new TextDecoder();

/** Runs `deno run main.ts <args>` the way `deno task serve` / `deno task join` do. */
async function kaiwa(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "main.ts", ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
  });
  const { code, stdout, stderr } = await command.output();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** The one `kaiwa serve` flag that sets each numeric option, to check help text against defaults. */
const SERVE_FLAG_OF: Partial<Record<keyof ServeOptions, string>> = {
  port: "--port",
  timeoutSeconds: "--timeout",
  maxRooms: "--max-rooms",
  maxRoomMembers: "--max-room-members",
  requestTimeoutSeconds: "--request-timeout",
  maxConnections: "--max-connections",
  maxConnectionsPerIp: "--max-connections-per-ip",
  floodRate: "--flood-rate",
  floodBurst: "--flood-burst",
  joinRate: "--join-rate",
};

/** The help line that documents `flag` (`--port` must not match `--lobby-port`). */
function helpLine(help: string, flag: string): string {
  const line = help.split("\n").find((text) => new RegExp(`^\\s+(-\\w, )?${flag}\\b`).test(text));
  ok(line !== undefined, `help has no line for ${flag}`);
  return line;
}

Deno.test("kaiwa --version, -V and -v print the version from deno.json", async () => {
  for (const flag of ["--version", "-V", "-v"]) {
    const { code, stdout } = await kaiwa(flag);
    strictEqual(code, ExitCode.Ok);
    strictEqual(stdout, `kaiwa ${config.version}\n`);
  }
});

Deno.test("kaiwa --help and -h describe both commands on stdout", async () => {
  for (const flag of ["--help", "-h"]) {
    const { code, stdout, stderr } = await kaiwa(flag);
    strictEqual(code, ExitCode.Ok);
    strictEqual(stderr, "");
    match(stdout, /^Usage: kaiwa/);
    match(stdout, /\bserve\b/);
    match(stdout, /\bjoin\b/);
  }
});

Deno.test("kaiwa serve --help lists every flag with the defaults of DEFAULT_SERVE_OPTIONS", async () => {
  const { code, stdout } = await kaiwa("serve", "--help");
  strictEqual(code, ExitCode.Ok);
  strictEqual(stdout, `${SERVE_USAGE}\n`);
  for (const spec of SERVE_FLAGS) helpLine(stdout, `--${spec.name}`);
  for (const [key, flag] of Object.entries(SERVE_FLAG_OF)) {
    const value = DEFAULT_SERVE_OPTIONS[key as keyof ServeOptions];
    ok(helpLine(stdout, flag).includes(`(default: ${value})`), `${flag} should show ${value}`);
  }
  ok(helpLine(stdout, "--host").includes(`(default: ${DEFAULT_SERVE_OPTIONS.host})`));
  ok(helpLine(stdout, "--lobby-port").includes("(default: off)"));
});

Deno.test("kaiwa join --help fits a screen of 80 by 24 and names every flag", async () => {
  const { code, stdout } = await kaiwa("join", "-h");
  strictEqual(code, ExitCode.Ok);
  strictEqual(stdout, `${JOIN_USAGE}\n`);
  const lines = stdout.trimEnd().split("\n");
  ok(lines.length <= 24, `${lines.length} lines`);
  for (const line of lines) ok(line.length <= 80, line);
  for (const spec of JOIN_FLAGS) helpLine(stdout, `--${spec.name}`);
});

Deno.test("kaiwa help join lists the flags and every exit code with its meaning", async () => {
  const { code, stdout } = await kaiwa("help", "join");
  strictEqual(code, ExitCode.Ok);
  strictEqual(stdout, `${JOIN_MANUAL}\n`);
  for (const flag of ["--name", "--create", "--password-prompt", "--password-stdin"]) {
    helpLine(stdout, flag);
  }
  ok(helpLine(stdout, "--port").includes(`(default: ${DEFAULT_JOIN_OPTIONS.port})`));
  ok(helpLine(stdout, "--host").includes(`(default: ${DEFAULT_JOIN_OPTIONS.host})`));
  for (const code of Object.values(ExitCode)) {
    ok(
      stdout.includes(`${String(code).padStart(2)}  ${EXIT_CODE_MEANINGS[code]}\n`),
      `code ${code}`,
    );
  }
});

Deno.test("a bad command line prints one line and the usage on stderr, exit code 2", async (t) => {
  const cases: { args: string[]; message: string; usage: string }[] = [
    { args: ["serve", "--bogus"], message: "Unknown option '--bogus'", usage: SERVE_USAGE },
    { args: ["bogus"], message: "Unknown command 'bogus'", usage: MAIN_USAGE },
    { args: ["--bogus"], message: "Unknown option '--bogus'", usage: MAIN_USAGE },
    { args: [], message: "Missing command", usage: MAIN_USAGE },
    { args: ["serve", "--port", "70000"], message: "--port: '70000'", usage: SERVE_USAGE },
    { args: ["serve", "--port", "abc"], message: "--port: 'abc'", usage: SERVE_USAGE },
    {
      args: ["serve", "--udp", "quick"],
      message: "--udp: 'quick' (expected auto, fast, portable)",
      usage: SERVE_USAGE,
    },
    { args: ["join", "--port", "0"], message: "--port: '0'", usage: JOIN_USAGE },
    { args: ["serve", "--quiet", "--verbose"], message: "exclude each other", usage: SERVE_USAGE },
    {
      args: ["join", "--password-stdin", "--password-prompt"],
      message: "exclude each other",
      usage: JOIN_USAGE,
    },
    { args: ["join", "a", "b"], message: "Unexpected argument 'b'", usage: JOIN_USAGE },
    // npm's habit, `deno task serve -- --port 0`, hands kaiwa the `--`.
    {
      args: ["serve", "--", "--port", "0"],
      message: "Unexpected argument '--port' ('--' ends the flags: leave it out)",
      usage: SERVE_USAGE,
    },
    // Issue #15: a negative value is checked as a value, not called ambiguous.
    {
      args: ["join", "--port", "-1"],
      message: "--port: '-1' is not an integer",
      usage: JOIN_USAGE,
    },
    { args: ["help", "bogus"], message: "No help for 'bogus'", usage: MAIN_USAGE },
    // Control characters in what the user typed are shown, not acted on.
    { args: ["\x1b[2J"], message: "Unknown command '\ufffd[2J'", usage: MAIN_USAGE },
  ];
  for (const { args, message, usage } of cases) {
    await t.step(`kaiwa ${args.join(" ")}`, async () => {
      const result = await kaiwa(...args);
      strictEqual(result.code, ExitCode.Usage);
      strictEqual(result.stdout, "");
      const [first, ...rest] = result.stderr.split("\n");
      match(first, /^kaiwa: /);
      ok(first.includes(message), `${JSON.stringify(first)} should include ${message}`);
      strictEqual(rest.join("\n"), `${usageHint(usage)}\n`);
      ok(!/^\s+at /m.test(result.stderr), "no stack trace");
    });
  }
});

Deno.test({
  name: "parseServeArgs() keeps the defaults and sets each flag",
  permissions: "none",
  fn: async (t) => {
    await t.step("no flags give DEFAULT_SERVE_OPTIONS", () => {
      deepStrictEqual(parseServeArgs([]), DEFAULT_SERVE_OPTIONS);
    });
    const cases: [string[], Partial<ServeOptions>][] = [
      [["--host", "::1"], { host: "::1" }],
      [["--port", "0"], { port: 0 }],
      [["--port=65535"], { port: 65535 }],
      [["--timeout", "0.5"], { timeoutSeconds: 0.5 }],
      [["--lobby-port", "9000"], { lobbyPort: 9000 }],
      [["--quiet"], { logLevel: "quiet" }],
      [["--verbose"], { logLevel: "verbose" }],
      [["--max-rooms", "3"], { maxRooms: 3 }],
      [["--max-room-members", "2"], { maxRoomMembers: 2 }],
      [["--request-timeout", "1"], { requestTimeoutSeconds: 1 }],
      [["--max-connections", "7"], { maxConnections: 7 }],
      [["--max-connections-per-ip", "1"], { maxConnectionsPerIp: 1 }],
      [["--flood-rate", "0"], { floodRate: 0 }],
      [["--flood-rate", "0.25"], { floodRate: 0.25 }],
      [["--flood-burst", "1"], { floodBurst: 1 }],
      [["--join-rate", "0"], { joinRate: 0 }],
      [["--port", "1", "--port", "2"], { port: 2 }],
      [["--room-buffer", "1000"], { roomBuffer: 1000 }],
      [["--room-buffer-bytes", "8192"], { roomBufferBytes: 8192 }],
      [["--history", "0"], { history: 0 }],
      [["--history", "256"], { history: 256 }],
      // The default history follows a smaller buffer.
      [["--room-buffer", "0"], { roomBuffer: 0, history: 0 }],
      [["--room-buffer", "10"], { roomBuffer: 10, history: 10 }],
      [["--cluster", "nats://127.0.0.1:4222"], { cluster: ["nats://127.0.0.1:4222"] }],
      [["--cluster", "nats://a:1, nats://b:2,"], { cluster: ["nats://a:1", "nats://b:2"] }],
      [["--node-id", "node-1_A"], { nodeId: "node-1_A" }],
      [["--cluster-heartbeat", "0.2"], { clusterHeartbeatSeconds: 0.2 }],
      [["--cluster-dead-after", "1.5"], { clusterDeadAfterSeconds: 1.5 }],
    ];
    for (const [args, changed] of cases) {
      await t.step(args.join(" "), () => {
        deepStrictEqual(parseServeArgs(args), { ...DEFAULT_SERVE_OPTIONS, ...changed });
      });
    }
  },
});

Deno.test({
  name: "parseServeArgs() refuses bad values with a UsageError naming the flag",
  permissions: "none",
  fn: async (t) => {
    const cases: string[][] = [
      ["--port", "65536"],
      ["--port", "-1"],
      ["--port", ""],
      ["--port", " 1"],
      ["--port", "0x10"],
      ["--port", "1e3"],
      ["--port", "1.5"],
      ["--host", ""],
      ["--timeout", "0"],
      ["--timeout", String(MAX_SECONDS + 1)],
      ["--timeout", "Infinity"],
      ["--request-timeout", "-1"],
      ["--max-rooms", "0"],
      ["--max-room-members", "1.5"],
      ["--max-connections", "0"],
      ["--max-connections-per-ip", "x"],
      ["--flood-rate", "-0.5"],
      ["--flood-burst", "0"],
      ["--join-rate", "NaN"],
      ["--lobby-port", "70000"],
      ["--room-buffer", "-1"],
      ["--room-buffer-bytes", "8191"],
      ["--history", "x"],
      ["--history", "257"],
      ["--cluster", ""],
      ["--cluster", "http://127.0.0.1:4222"],
      ["--cluster", "127.0.0.1:4222"],
      ["--node-id", "a.b"],
      ["--node-id", "x".repeat(65)],
      ["--node-id", ""],
      ["--cluster-heartbeat", "0"],
      ["--cluster-dead-after", "1"],
    ];
    for (const args of cases) {
      await t.step(JSON.stringify(args), () => {
        throws(() => parseServeArgs(args), (error: unknown) => {
          ok(error instanceof UsageError);
          ok(error.message.includes(args[0]), error.message);
          return true;
        });
      });
    }
    await t.step("--quiet with --verbose", () => {
      throws(() => parseServeArgs(["--quiet", "--verbose"]), UsageError);
    });
    await t.step("--lobby-port equal to --port", () => {
      throws(() => parseServeArgs(["--port", "9100", "--lobby-port", "9100"]), UsageError);
    });
    await t.step("a positional argument", () => {
      throws(() => parseServeArgs(["now"]), UsageError);
    });
    await t.step("--cluster-dead-after not longer than --cluster-heartbeat", () => {
      throws(() => parseServeArgs(["--cluster-heartbeat", "5"]), /--cluster-dead-after/);
    });
  },
});

Deno.test({
  name: "parseJoinArgs() keeps the defaults, takes one room and sets each flag",
  permissions: "none",
  fn: async (t) => {
    await t.step("no arguments give DEFAULT_JOIN_OPTIONS", () => {
      deepStrictEqual(parseJoinArgs([]), DEFAULT_JOIN_OPTIONS);
    });
    const cases: [string[], Partial<JoinOptions>][] = [
      [["lobby"], { room: "lobby" }],
      [["--name", "alice", "ロビー"], { room: "ロビー", name: "alice" }],
      [["--create"], { create: true }],
      [["--password-prompt"], { password: { kind: "prompt" } }],
      [["--password-stdin"], { password: { kind: "stdin" } }],
      [["--password-env", "ROOM_PW"], { password: { kind: "env", variable: "ROOM_PW" } }],
      [["--host", "example.org"], { host: "example.org" }],
      [["--port", "1"], { port: 1 }],
      [["--json"], { json: true }],
      [["--", "-dashed-room"], { room: "-dashed-room" }],
      // Names in NFC, as the server stores them (§1.2): the session knows its own name.
      [["--name", "Jose\u0301", "cafe\u0301"], { room: "caf\u00e9", name: "Jos\u00e9" }],
    ];
    for (const [args, changed] of cases) {
      await t.step(args.join(" "), () => {
        deepStrictEqual(parseJoinArgs(args), { ...DEFAULT_JOIN_OPTIONS, ...changed });
      });
    }
  },
});

Deno.test({
  name: "parseJoinArgs() refuses bad values and conflicting flags",
  permissions: "none",
  fn: async (t) => {
    const cases: string[][] = [
      ["--port", "0"],
      ["--port", "65536"],
      ["--name", ""],
      [""],
      ["a", "b"],
      ["--host", ""],
      ["--password-env", ""],
      ["--password-prompt", "--password-stdin"],
      ["--password-prompt", "--password-env", "X"],
      ["--password-stdin", "--password-env", "X"],
      ["--create=yes"],
      ["--name"],
      ["--verbose"],
    ];
    for (const args of cases) {
      await t.step(JSON.stringify(args), () => {
        throws(() => parseJoinArgs(args), UsageError);
      });
    }
  },
});

Deno.test({
  name: "parseMainArgs() picks the command and gives usage errors the right help text",
  permissions: "none",
  fn: async (t) => {
    await t.step("help wins over bad flags", () => {
      deepStrictEqual(parseMainArgs(["serve", "--port", "x", "--help"]), {
        kind: "help",
        usage: SERVE_USAGE,
      });
      deepStrictEqual(parseMainArgs(["join", "-h"]), { kind: "help", usage: JOIN_USAGE });
      deepStrictEqual(parseMainArgs(["-h"]), { kind: "help", usage: MAIN_USAGE });
    });
    await t.step("--help after -- is a room name", () => {
      deepStrictEqual(parseMainArgs(["join", "--", "--help"]), {
        kind: "join",
        options: { ...DEFAULT_JOIN_OPTIONS, room: "--help" },
      });
    });
    await t.step("version", () => {
      deepStrictEqual(parseMainArgs(["-V"]), { kind: "version" });
      deepStrictEqual(parseMainArgs(["-v"]), { kind: "version" });
    });
    await t.step("help [command]", () => {
      deepStrictEqual(parseMainArgs(["help"]), { kind: "help", usage: MAIN_USAGE });
      deepStrictEqual(parseMainArgs(["help", "join"]), { kind: "help", usage: JOIN_MANUAL });
      deepStrictEqual(parseMainArgs(["help", "serve"]), { kind: "help", usage: SERVE_USAGE });
      strictEqual(parseMainArgs(["help", "rooms"]).kind, "help");
      throws(() => parseMainArgs(["--version", "serve"]), UsageError);
    });
    await t.step("commands", () => {
      deepStrictEqual(parseMainArgs(["serve"]), {
        kind: "serve",
        options: DEFAULT_SERVE_OPTIONS,
      });
      deepStrictEqual(parseMainArgs(["join", "x"]), {
        kind: "join",
        options: { ...DEFAULT_JOIN_OPTIONS, room: "x" },
      });
    });
    const cases: [string[], string][] = [
      [["serve", "--port", "x"], SERVE_USAGE],
      [["join", "--nope"], JOIN_USAGE],
      [["--nope", "serve"], MAIN_USAGE],
      [["serv"], MAIN_USAGE],
      [[], MAIN_USAGE],
    ];
    for (const [args, usage] of cases) {
      await t.step(`usage of ${JSON.stringify(args)}`, () => {
        throws(() => parseMainArgs(args), (error: unknown) => {
          ok(error instanceof UsageError);
          strictEqual(error.usage, usage);
          return true;
        });
      });
    }
  },
});

Deno.test({
  name: "formatUnexpectedError() gives one line, or the stack trace when debugging",
  permissions: "none",
  fn: () => {
    const error = new Error("Cannot open\nthe thing");
    strictEqual(formatUnexpectedError(error, false), "kaiwa: Cannot open the thing");
    strictEqual(formatUnexpectedError("plain", false), "kaiwa: plain");
    strictEqual(formatUnexpectedError(new TypeError(""), false), "kaiwa: TypeError");
    match(formatUnexpectedError(error, true), /^kaiwa: Error: Cannot open\nthe thing\n\s+at /);
  },
});

Deno.test("README documents every serve flag and exit code, and CI runs its test command", async () => {
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  for (const spec of SERVE_FLAGS.filter((spec) => spec !== HELP_FLAG)) {
    ok(readme.includes(`\`--${spec.name}`), `README: --${spec.name}`);
  }
  for (const [key, flag] of Object.entries(SERVE_FLAG_OF)) {
    const value = DEFAULT_SERVE_OPTIONS[key as keyof ServeOptions];
    match(
      readme,
      new RegExp(`\\| \`${flag}[^|]*\`\\s*\\|[^\\n]*\\| ${value}\\s*\\|`),
      `README: ${flag}`,
    );
  }
  for (const code of Object.values(ExitCode)) match(readme, new RegExp(`^\\| ${code}\\s+\\|`, "m"));
  const testCommand = readme.match(/^## Test.*?```sh\n([^\n]+)\n```/ms)?.[1];
  ok(testCommand !== undefined, "README has a test command in a fenced block");
  // .ci/run runs the first line of this form, so it must be the Tests section's command.
  const ciPattern = /^npx -y deno@\d+\.\d+\.\d+ task test$/m;
  strictEqual(readme.match(ciPattern)?.[0], testCommand, "CI runs the README's test command");
  const ci = await Deno.readTextFile(`${ROOT}.ci/run`);
  ok(
    ci.includes(String.raw`'^npx -y deno@[0-9]+\.[0-9]+\.[0-9]+ task test$' README.md`),
    ".ci/run reads it from the README",
  );
});

Deno.test("kaiwa join with a room name over 255 bytes says so, exit code 8, before connecting", async () => {
  // Port 1: were the name sent, the failure would be "cannot reach" (exit code 3).
  const result = await kaiwa("join", "x".repeat(300), "--create", "--name", "a", "--port", "1");
  strictEqual(result.code, ExitCode.InvalidName, result.stderr);
  strictEqual(result.stderr, "kaiwa: ROOM: Invalid room name: 300 bytes exceeds 255\n");
});

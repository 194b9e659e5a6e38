import { deepStrictEqual, match, strictEqual, throws } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { DEFAULT_JOIN_OPTIONS } from "../client/options.ts";
import { DEFAULT_SERVE_OPTIONS } from "../server/options.ts";
import { envName, readEnvironment } from "../cli/environment.ts";
import { ExitCode } from "../cli/exit_codes.ts";
import { JOIN_USAGE, parseJoinArgs } from "../cli/join_command.ts";
import { parseServeArgs, SERVE_FLAGS, SERVE_USAGE } from "../cli/serve_command.ts";
import { HELP_FLAG } from "../cli/flags.ts";
import { pageAddress } from "../cli/page_address.ts";
import { UsageError } from "../cli/usage_error.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const decoder = new TextDecoder();

/** Throws unless `run` throws a UsageError whose message names `name`. */
function refusedNaming(run: () => unknown, name: string): void {
  throws(run, (error: unknown) => {
    strictEqual(error instanceof UsageError, true);
    match((error as Error).message, new RegExp(`\\b${name}\\b`));
    return true;
  });
}

Deno.test({
  name: "envName() turns a flag into its KAIWA_ variable",
  permissions: "none",
  fn() {
    strictEqual(envName("max-rooms"), "KAIWA_MAX_ROOMS");
    strictEqual(envName("port"), "KAIWA_PORT");
    strictEqual(envName("max-connections-per-ip"), "KAIWA_MAX_CONNECTIONS_PER_IP");
  },
});

Deno.test({
  name: "kaiwa serve: variables override the defaults and lose to flags",
  permissions: "none",
  async fn(t) {
    await t.step("every flag but --help reads its variable", () => {
      for (const spec of SERVE_FLAGS) strictEqual(spec.env === true, spec !== HELP_FLAG, spec.name);
    });
    await t.step("a variable sets its option", () => {
      const env = {
        KAIWA_MAX_ROOMS: "7",
        KAIWA_PORT: "0",
        KAIWA_FLOOD_RATE: "2.5",
        KAIWA_HOST: "::1",
        KAIWA_LOG_FORMAT: "json",
        KAIWA_METRICS_PORT: "9100",
        KAIWA_UDP: "portable",
        KAIWA_QUIET: "1",
      };
      deepStrictEqual(parseServeArgs([], env), {
        ...DEFAULT_SERVE_OPTIONS,
        maxRooms: 7,
        port: 0,
        floodRate: 2.5,
        host: "::1",
        logFormat: "json",
        metricsPort: 9100,
        udpPath: "portable",
        logLevel: "quiet",
      });
    });
    await t.step("a flag wins over its variable", () => {
      const env = { KAIWA_MAX_ROOMS: "7", KAIWA_LOG_FORMAT: "json", KAIWA_QUIET: "1" };
      const options = parseServeArgs(
        ["--max-rooms", "9", "--log-format", "text", "--verbose"],
        env,
      );
      strictEqual(options.maxRooms, 9);
      strictEqual(options.logFormat, "text");
      strictEqual(options.logLevel, "verbose");
    });
    await t.step("a switch's variable may say no, and an empty variable is unset", () => {
      deepStrictEqual(
        parseServeArgs([], { KAIWA_QUIET: "0", KAIWA_VERBOSE: "FALSE", KAIWA_PORT: "" }),
        DEFAULT_SERVE_OPTIONS,
      );
    });
    await t.step("variables of other flags, commands or programs are ignored", () => {
      deepStrictEqual(
        parseServeArgs([], { KAIWA_NAME: "alice", KAIWA_DEBUG: "1", KAIWA_HELP: "1", PORT: "1" }),
        DEFAULT_SERVE_OPTIONS,
      );
    });
    await t.step("a variable counts as given where flags depend on each other", () => {
      deepStrictEqual(parseServeArgs([], { KAIWA_ROOM_BUFFER: "10" }).history, 10);
      refusedNaming(
        () => parseServeArgs(["--room-buffer", "10"], { KAIWA_HISTORY: "20" }),
        "KAIWA_HISTORY",
      );
      refusedNaming(
        () => parseServeArgs([], { KAIWA_PORT: "9100", KAIWA_METRICS_PORT: "9100" }),
        "KAIWA_METRICS_PORT",
      );
    });
  },
});

Deno.test({
  name: "kaiwa serve: the web port's flags and variables",
  permissions: "none",
  fn() {
    const options = parseServeArgs(
      [
        "--web-port",
        "8080",
        "--web-allowed-origin",
        "https://Chat.example.org, http://a.example:81",
      ],
      { KAIWA_WEB_HOST: "::1" },
    );
    strictEqual(options.webPort, 8080);
    strictEqual(options.webHost, "::1");
    deepStrictEqual(options.webAllowedOrigins, ["https://chat.example.org", "http://a.example:81"]);
    deepStrictEqual(
      parseServeArgs([], { KAIWA_WEB_PORT: "0", KAIWA_WEB_ALLOWED_ORIGIN: "http://x.example" }),
      { ...DEFAULT_SERVE_OPTIONS, webPort: 0, webAllowedOrigins: ["http://x.example"] },
    );
    strictEqual(DEFAULT_SERVE_OPTIONS.webPort, null);
    for (const origin of ["chat.example.org", "https://chat.example.org/path", "ftp//x"]) {
      refusedNaming(() => parseServeArgs(["--web-allowed-origin", origin]), "web-allowed-origin");
    }
    refusedNaming(() => parseServeArgs(["--web-port", "9001"]), "web-port");
    refusedNaming(
      () => parseServeArgs(["--web-port", "9100", "--metrics-port", "9100"]),
      "web-port",
    );
    refusedNaming(() => parseServeArgs([], { KAIWA_WEB_PORT: "http" }), "KAIWA_WEB_PORT");
  },
});

Deno.test({
  name: "kaiwa serve: a bad variable is refused like a bad flag, naming the variable",
  permissions: "none",
  fn() {
    const bad: Record<string, string> = {
      KAIWA_MAX_ROOMS: "many",
      KAIWA_PORT: "65536",
      KAIWA_TIMEOUT: "0",
      KAIWA_LOG_FORMAT: "xml",
      KAIWA_METRICS_PORT: "-1",
      KAIWA_QUIET: "yes please",
      KAIWA_UDP: "warp",
    };
    for (const [name, value] of Object.entries(bad)) {
      refusedNaming(() => parseServeArgs([], { [name]: value }), name);
    }
    refusedNaming(
      () => parseServeArgs([], { KAIWA_QUIET: "1", KAIWA_VERBOSE: "1" }),
      "KAIWA_QUIET",
    );
    // A good flag hides its bad variable: the variable is not read at all.
    strictEqual(parseServeArgs(["--max-rooms", "3"], { KAIWA_MAX_ROOMS: "many" }).maxRooms, 3);
  },
});

Deno.test({
  name: "kaiwa join: KAIWA_NAME, KAIWA_HOST, KAIWA_PORT and KAIWA_DATA_DIR, flags first",
  permissions: "none",
  fn() {
    const env = {
      KAIWA_NAME: "alice",
      KAIWA_HOST: "chat.example",
      KAIWA_PORT: "9100",
      KAIWA_DATA_DIR: "/srv/kaiwa",
      KAIWA_CREATE: "1",
      KAIWA_INSECURE_PLAINTEXT: "1",
    };
    deepStrictEqual(parseJoinArgs(["lobby"], env), {
      ...DEFAULT_JOIN_OPTIONS,
      room: "lobby",
      name: "alice",
      host: "chat.example",
      port: 9100,
      dataDir: "/srv/kaiwa",
    });
    strictEqual(parseJoinArgs(["--port", "9002"], env).port, 9002);
    refusedNaming(() => parseJoinArgs([], { KAIWA_PORT: "0" }), "KAIWA_PORT");
  },
});

Deno.test("--help tells of the variables", () => {
  match(SERVE_USAGE, /KAIWA_<FLAG>/);
  match(SERVE_USAGE, /wins over its variable/);
  for (const name of ["KAIWA_NAME", "KAIWA_HOST", "KAIWA_PORT", "KAIWA_DATA_DIR"]) {
    match(JOIN_USAGE, new RegExp(name));
  }
});

Deno.test({
  name: "readEnvironment() keeps the KAIWA_ variables only",
  permissions: { env: true },
  fn() {
    Deno.env.set("KAIWA_TEST_READ", "1");
    try {
      const env = readEnvironment();
      strictEqual(env.KAIWA_TEST_READ, "1");
      strictEqual(Object.keys(env).every((name) => name.startsWith("KAIWA_")), true);
    } finally {
      Deno.env.delete("KAIWA_TEST_READ");
    }
  },
});

Deno.test("kaiwa serve with a bad variable exits 2 with one line naming it, before listening", async () => {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", "main.ts", "serve", "--port", "0"],
    cwd: ROOT,
    env: { NO_COLOR: "1", KAIWA_MAX_ROOMS: "lots" },
    stdin: "null",
  }).output();
  strictEqual(code, ExitCode.Usage);
  strictEqual(decoder.decode(stdout), "");
  const [first] = decoder.decode(stderr).split("\n");
  strictEqual(
    first,
    "kaiwa: Invalid value for KAIWA_MAX_ROOMS: 'lots' is not an integer of at least 1",
  );
});

Deno.test({
  name: "kaiwa serve: the web port's start line names an address a browser can open",
  permissions: "none",
  fn() {
    strictEqual(pageAddress("0.0.0.0", 8080), "127.0.0.1:8080");
    strictEqual(pageAddress("::", 8080), "[::1]:8080");
    strictEqual(pageAddress("192.0.2.7", 80), "192.0.2.7:80");
    strictEqual(pageAddress("::1", 8080), "[::1]:8080");
  },
});

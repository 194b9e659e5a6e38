import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { ExitCode } from "../cli/exit_codes.ts";
import { parseRoomsArgs } from "../cli/rooms_command.ts";
import { UsageError } from "../cli/usage_error.ts";
import { formatRoomList, pinnedNotice } from "../client/mod.ts";
import { Operation } from "../protocol/mod.ts";
import { enter, startTestServer, UdpClient } from "./server_helpers.ts";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const decoder = new TextDecoder();
const { CreateRoom, JoinRoom } = Operation;

/** Runs `kaiwa rooms <args>` as a process, as a probe would. */
async function kaiwaRooms(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    // Write access to /tmp for a known_servers file under a test's --data-dir.
    args: ["run", "--allow-net", "--allow-env", "--allow-read", "--allow-write=/tmp", "main.ts"]
      .concat(["rooms", ...args]),
    cwd: ROOT,
    env: { NO_COLOR: "1" },
    stdin: "null",
  }).output();
  return { code, out: decoder.decode(stdout), err: decoder.decode(stderr) };
}

Deno.test({
  name: "parseRoomsArgs() takes --host, --port and --json, and KAIWA_HOST/KAIWA_PORT",
  permissions: "none",
  fn() {
    deepStrictEqual(parseRoomsArgs(["--host", "::1", "--port", "9002", "--json"]), {
      host: "::1",
      port: 9002,
      json: true,
      insecurePlaintext: false,
      fingerprint: null,
      dataDir: null,
    });
    const env = { KAIWA_HOST: "chat.example", KAIWA_PORT: "9100" };
    strictEqual(parseRoomsArgs([], env).host, "chat.example");
    strictEqual(parseRoomsArgs(["--port", "9003"], env).port, 9003);
    throws(() => parseRoomsArgs([], { KAIWA_PORT: "x" }), UsageError);
    throws(() => parseRoomsArgs(["lobby"]), UsageError);
  },
});

Deno.test({
  name: "formatRoomList() writes one safe line per room, or one JSON object",
  permissions: "none",
  fn() {
    const list = {
      rooms: [{ name: "lobby", members: 3, password: false }, {
        name: "se\x07cret",
        members: 1,
        password: true,
      }],
      truncated: false,
    };
    deepStrictEqual(formatRoomList(list, false), ["lobby\t3\topen", "se\uFFFDcret\t1\tpassword"]);
    deepStrictEqual(JSON.parse(formatRoomList(list, true)[0]), list);
  },
});

Deno.test("kaiwa rooms lists a live server's rooms (exit 0) and reports a dead one (exit 3)", async (t) => {
  const dataDir = await Deno.makeTempDir({ dir: "/tmp", prefix: "kaiwa-rooms-" });
  try {
    await using test = await startTestServer({ dataDir });
    const port = String(test.tcpPort);
    const pin = [
      "--host",
      "127.0.0.1",
      "--port",
      port,
      "--fingerprint",
      test.server.fingerprint ?? "",
    ];
    await t.step("no rooms: no lines", async () => {
      deepStrictEqual(await kaiwaRooms(...pin), { code: ExitCode.Ok, out: "", err: "" });
    });
    await using ann = new UdpClient();
    await using bob = new UdpClient();
    await enter(test, ann, CreateRoom, "lobby", "ann");
    await enter(test, bob, JoinRoom, "lobby", "bob");
    await t.step("one line per room over TLS", async () => {
      deepStrictEqual(await kaiwaRooms(...pin), {
        code: ExitCode.Ok,
        out: "lobby\t2\topen\n",
        err: "",
      });
    });
    await t.step("--json, with the port from KAIWA_PORT", async () => {
      const { code, stdout } = await new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-net", "--allow-env", "--allow-read", "main.ts", "rooms", "--json"]
          .concat(["--fingerprint", test.server.fingerprint ?? ""]),
        cwd: ROOT,
        env: { KAIWA_PORT: port, KAIWA_HOST: "127.0.0.1" },
        stdin: "null",
      }).output();
      strictEqual(code, ExitCode.Ok);
      deepStrictEqual(JSON.parse(decoder.decode(stdout)), {
        rooms: [{ name: "lobby", members: 2, password: false }],
        truncated: false,
      });
    });
    await t.step("a dead server: exit 3 and one line", async () => {
      const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const dead = String(listener.addr.port);
      listener.close();
      const { code, out, err } = await kaiwaRooms("--port", dead, "--insecure-plaintext");
      strictEqual(code, ExitCode.Unreachable);
      strictEqual(out, "");
      strictEqual(err.trimEnd().split("\n").length, 1, err);
    });
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("kaiwa rooms says a first pin once, on stderr, and lists on stdout", async (t) => {
  const serverDir = await Deno.makeTempDir({ dir: "/tmp", prefix: "kaiwa-rooms-server-" });
  const clientDir = await Deno.makeTempDir({ dir: "/tmp", prefix: "kaiwa-rooms-client-" });
  try {
    await using test = await startTestServer({ dataDir: serverDir });
    const args = ["--host", "127.0.0.1", "--port", String(test.tcpPort), "--data-dir", clientDir];
    const pin = {
      key: `127.0.0.1:${test.tcpPort}`,
      fingerprint: test.server.fingerprint ?? "",
      file: `${clientDir}/known_servers`,
    };
    await t.step("the first run pins the server and says so in one line", async () => {
      deepStrictEqual(await kaiwaRooms(...args), {
        code: ExitCode.Ok,
        out: "",
        err: `kaiwa: ${pinnedNotice(pin)}\n`,
      });
    });
    await t.step("the second run finds it known and says nothing", async () => {
      deepStrictEqual(await kaiwaRooms(...args), { code: ExitCode.Ok, out: "", err: "" });
    });
  } finally {
    await Deno.remove(serverDir, { recursive: true });
    await Deno.remove(clientDir, { recursive: true });
  }
});

Deno.test("kaiwa rooms with an unusable known_servers: one sentence saying what to do, exit 3", async () => {
  const serverDir = await Deno.makeTempDir({ dir: "/tmp", prefix: "kaiwa-rooms-server-" });
  // A file where the data directory should be: unusable whoever runs the test (root included).
  const notADir = await Deno.makeTempFile({ dir: "/tmp", prefix: "kaiwa-rooms-file-" });
  try {
    await using test = await startTestServer({ dataDir: serverDir });
    const args = ["--host", "127.0.0.1", "--port", String(test.tcpPort), "--data-dir", notADir];
    const { code, out, err } = await kaiwaRooms(...args);
    deepStrictEqual({ code, out }, { code: ExitCode.Unreachable, out: "" });
    const lines = err.split("\n");
    deepStrictEqual(lines.length, 2, err);
    ok(lines[0].startsWith(`kaiwa: Cannot read ${notADir}/known_servers: `), err);
    // What to do about it, since nothing is wrong with the server.
    ok(lines[0].includes("--fingerprint"), err);
  } finally {
    await Deno.remove(serverDir, { recursive: true });
    await Deno.remove(notADir);
  }
});

Deno.test("kaiwa rooms --json escapes what a hostile server's names would do to a terminal", () => {
  const hostile = "a\u009b31m\u0085\u202e\u2028b\u007f";
  const [line] = formatRoomList(
    { rooms: [{ name: hostile, members: 1, password: false }], truncated: false },
    true,
  );
  strictEqual(/[\u007f-\u009f\u202e\u2028]/.test(line), false, line);
  deepStrictEqual(JSON.parse(line).rooms[0].name, hostile);
});

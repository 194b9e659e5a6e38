/**
 * `kaiwa join` in pipe mode, end to end: real client processes against a real server on
 * loopback, reading one message per stdin line and writing one event per stdout line.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { ExitCode } from "../cli/exit_codes.ts";
import { LineReader } from "../client/line_reader.ts";
import { DEFAULT_SERVE_OPTIONS, type ServerHandle, startServer } from "../server/mod.ts";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const POLL_MS = 20;
const POLL_TRIES = 500;

/** A client process with line access to its stdout and a writer on its stdin. */
class PipeClient {
  readonly #child: Deno.ChildProcess;
  readonly #stdout: LineReader;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #stderr: Promise<string>;

  constructor(port: number, args: string[], env: Record<string, string> = {}) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--allow-net",
        "--allow-env",
        MAIN,
        "join",
        ...args,
        "--host",
        "127.0.0.1",
        "--port",
        String(port),
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1", ...env },
    }).spawn();
    this.#stdout = new LineReader(this.#child.stdout);
    this.#stdin = this.#child.stdin.getWriter();
    this.#stderr = new Response(this.#child.stderr).text();
  }

  async send(line: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(`${line}\n`));
  }

  /** Reads stdout lines until one equals `expected` (or the process ends); returns those seen. */
  async waitForLine(expected: string): Promise<string[]> {
    const seen: string[] = [];
    for (let line = await this.#stdout.next(); line !== null; line = await this.#stdout.next()) {
      seen.push(line);
      if (line === expected) return seen;
    }
    throw new Error(
      `stdout ended without ${JSON.stringify(expected)}; saw ${JSON.stringify(seen)}`,
    );
  }

  /** Reads the next stdout line, or null at the end. */
  nextLine(): Promise<string | null> {
    return this.#stdout.next();
  }

  /** Closes stdin (EOF) and waits for the exit; returns the code and stderr. */
  async finish(): Promise<{ code: number; stderr: string }> {
    await this.#stdin.close().catch(() => {});
    return await this.exited();
  }

  /** Waits for the exit without closing stdin; drains stdout so the child is never blocked. */
  async exited(): Promise<{ code: number; stderr: string }> {
    while (await this.#stdout.next() !== null) { /* drain */ }
    const { code } = await this.#child.status;
    await this.#stdin.close().catch(() => {});
    return { code, stderr: await this.#stderr };
  }
}

async function withServer(
  fn: (server: ServerHandle, port: number) => Promise<void>,
): Promise<void> {
  const server = await startServer({
    ...DEFAULT_SERVE_OPTIONS,
    host: "127.0.0.1",
    port: 0,
    logLevel: "quiet",
  });
  try {
    strictEqual(
      server.tcpAddr.port,
      server.udpAddr.port,
      "the client needs TCP and UDP on one port",
    );
    await fn(server, server.tcpAddr.port);
  } finally {
    await server.close();
  }
}

/** Waits until `name` is in `room` with its UDP address bound, i.e. ready to receive. */
async function untilBound(server: ServerHandle, room: string, name: string): Promise<void> {
  for (let i = 0; i < POLL_TRIES; i++) {
    if (server.state.rooms.get(room)?.members.get(name)?.address) return;
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
  throw new Error(`${name} never became a bound member of ${room}`);
}

Deno.test("pipe mode: two clients exchange messages both ways, and EOF leaves the room", async () => {
  await withServer(async (server, port) => {
    const alice = new PipeClient(port, ["lounge", "--name", "alice", "--create"]);
    await untilBound(server, "lounge", "alice");
    const bob = new PipeClient(port, ["lounge", "--name", "bob"]);
    await untilBound(server, "lounge", "bob");
    await alice.waitForLine("* bob joined");

    await bob.send("こんにちは 👋");
    await alice.waitForLine("bob: こんにちは 👋");
    await alice.send("やあ bob 🎉");
    await bob.waitForLine("alice: やあ bob 🎉");

    const bobEnd = await bob.finish();
    deepStrictEqual(bobEnd, { code: ExitCode.Ok, stderr: "" });
    await alice.waitForLine("* bob left");
    strictEqual(server.state.rooms.get("lounge")?.members.has("bob"), false);

    const aliceEnd = await alice.finish();
    deepStrictEqual(aliceEnd, { code: ExitCode.Ok, stderr: "" });
    strictEqual(server.state.rooms.has("lounge"), false, "the host's leaving deleted the room");
  });
});

Deno.test("pipe mode: messages piped in just before EOF are all delivered", async () => {
  await withServer(async (server, port) => {
    const reader = new PipeClient(port, ["burst", "--name", "reader", "--create"]);
    await untilBound(server, "burst", "reader");
    const writer = new PipeClient(port, ["burst", "--name", "writer"]);
    await untilBound(server, "burst", "writer");
    // More than the server's flood burst: the client must wait for echoes and resend, not lose.
    const count = DEFAULT_SERVE_OPTIONS.floodBurst + 5;
    for (let i = 1; i <= count; i++) await writer.send(`message ${i}`);
    strictEqual((await writer.finish()).code, ExitCode.Ok);
    const lines = await reader.waitForLine(`writer: message ${count}`);
    const received = lines.filter((line) => line.startsWith("writer: "));
    deepStrictEqual(received, Array.from({ length: count }, (_, i) => `writer: message ${i + 1}`));
    await reader.finish();
  });
});

Deno.test("pipe mode --json writes one JSON event per line", async () => {
  await withServer(async (server, port) => {
    const host = new PipeClient(port, ["json-room", "--name", "host", "--create"]);
    await untilBound(server, "json-room", "host");
    const bot = new PipeClient(port, ["json-room", "--name", "bot", "--json"]);
    const members = JSON.parse((await bot.nextLine())!);
    strictEqual(members.type, "members");
    deepStrictEqual(
      members.members.map((
        m: { name: string; host: boolean; you: boolean },
      ) => [m.name, m.host, m.you]).sort(),
      [["bot", false, true], ["host", true, false]],
    );
    await host.waitForLine("* bot joined");
    await host.send("hello bot");
    const chat = JSON.parse((await bot.nextLine())!);
    strictEqual(chat.type, "chat");
    strictEqual(chat.sender, "host");
    strictEqual(chat.text, "hello bot");
    ok(Number.isInteger(chat.seq) && chat.seq >= 1);
    ok(Math.abs(chat.time - Date.now()) < 60_000, "time is the server's clock in ms");

    await host.finish();
    const closed = JSON.parse((await bot.nextLine())!);
    deepStrictEqual({ type: closed.type, reason: closed.reason }, {
      type: "room-closed",
      reason: 1,
    });
    strictEqual((await bot.exited()).code, ExitCode.RoomClosed);
  });
});

Deno.test("pipe mode: the host leaving ends the room for the others with their own exit code", async () => {
  await withServer(async (server, port) => {
    const host = new PipeClient(port, ["short", "--name", "host", "--create"]);
    await untilBound(server, "short", "host");
    const guest = new PipeClient(port, ["short", "--name", "guest"]);
    await untilBound(server, "short", "guest");
    strictEqual((await host.finish()).code, ExitCode.Ok);
    await guest.waitForLine("* the room was closed: the host left");
    const end = await guest.exited();
    strictEqual(end.code, ExitCode.RoomClosed);
  });
});

Deno.test("pipe mode: each refusal is one sentence on stderr and its own exit code", async (t) => {
  await withServer(async (server, port) => {
    const host = new PipeClient(port, [
      "taken",
      "--name",
      "host",
      "--create",
      "--password-env",
      "ROOM_PASSWORD",
    ], {
      ROOM_PASSWORD: "s3cret",
    });
    await untilBound(server, "taken", "host");
    const cases: [string, string[], number, Record<string, string>?][] = [
      ["room not found", ["nowhere", "--name", "x"], ExitCode.RoomNotFound],
      ["room exists", ["taken", "--name", "x", "--create"], ExitCode.RoomExists],
      ["missing password", ["taken", "--name", "x"], ExitCode.WrongPassword],
      ["wrong password", ["taken", "--name", "x", "--password-env", "P"], ExitCode.WrongPassword, {
        P: "nope",
      }],
      ["name taken", ["taken", "--name", "host", "--password-env", "P"], ExitCode.NameTaken, {
        P: "s3cret",
      }],
      [
        "invalid name",
        ["taken", "--name", "bad\u202ename", "--password-env", "P"],
        ExitCode.InvalidName,
        {
          P: "s3cret",
        },
      ],
      ["no name without a terminal", ["taken"], ExitCode.Usage],
    ];
    for (const [what, args, expected, env] of cases) {
      await t.step(what, async () => {
        const { code, stderr } = await new PipeClient(port, args, env).finish();
        strictEqual(code, expected, stderr);
        const lines = stderr.trimEnd().split("\n");
        strictEqual(lines.length, 1, stderr);
        ok(lines[0].startsWith("kaiwa: "), stderr);
        ok(!stderr.includes("    at "), "no stack trace");
      });
    }
    await host.finish();
  });
});

Deno.test("pipe mode: an unreachable server is exit code 3 with one sentence", async () => {
  // A port that was just free: nothing listens there.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const { code, stderr } = await new PipeClient(port, ["room", "--name", "x"]).finish();
  strictEqual(code, ExitCode.Unreachable);
  ok(stderr.startsWith("kaiwa: Cannot reach the server at 127.0.0.1:"), stderr);
  strictEqual(stderr.trimEnd().split("\n").length, 1);
});

/**
 * `kaiwa join` in pipe mode, end to end: real client processes against a real server on
 * loopback, reading one message per stdin line and writing one event per stdout line.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { ExitCode } from "../cli/exit_codes.ts";
import { DEFAULT_SERVE_OPTIONS, type ServerHandle } from "../server/mod.ts";
import { parsePipeLine } from "../client/pipe_mode.ts";
import { PipeClient, untilBound } from "./pipe_client.ts";
import { startRealClockServer, waitFor } from "./server_helpers.ts";

async function withServer(
  fn: (server: ServerHandle, port: number) => Promise<void>,
): Promise<void> {
  const server = await startRealClockServer();
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
    // The leave is a datagram the client sends and exits without an answer: the server may
    // read it after the test has seen the exit, and nobody is left in the room to be told.
    await waitFor(() => !server.state.rooms.has("lounge"), "the host's leaving deleted the room");
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
    let chat = JSON.parse((await bot.nextLine())!);
    while (chat.type !== "chat") chat = JSON.parse((await bot.nextLine())!);
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

Deno.test("pipe mode: only a line that is exactly /quit or /exit is a command; // escapes", () => {
  deepStrictEqual(parsePipeLine("/quit"), { type: "quit" });
  deepStrictEqual(parsePipeLine("/exit"), { type: "quit" });
  deepStrictEqual(parsePipeLine("//quit"), { type: "say", text: "/quit" });
  deepStrictEqual(parsePipeLine("//etc/passwd changed"), {
    type: "say",
    text: "/etc/passwd changed",
  });
  for (const line of ["/var/log/x: error", "/quit now", "/QUIT", " /exit", "/who", "/"]) {
    deepStrictEqual(parsePipeLine(line), { type: "say", text: line });
  }
});

Deno.test("pipe mode: /quit and /exit leave, // sends a leading slash, paths are sent (finding 5)", async () => {
  await withServer(async (server, port) => {
    const host = new PipeClient(port, ["slashes", "--name", "host", "--create"]);
    await untilBound(server, "slashes", "host");
    const guest = new PipeClient(port, ["slashes", "--name", "guest"]);
    await untilBound(server, "slashes", "guest");
    await host.waitForLine("* guest joined");

    await guest.send("//etc/passwd changed");
    await guest.send("/var/log/x: error");
    await guest.send("/exit");
    // The process leaves on /exit without waiting for the end of its input.
    deepStrictEqual(await guest.exited(), { code: ExitCode.Ok, stderr: "" });
    const seen = await host.waitForLine("* guest left");
    deepStrictEqual(seen.filter((line) => line.startsWith("guest: ")), [
      "guest: /etc/passwd changed",
      "guest: /var/log/x: error",
    ]);

    // The host's /quit closes the room at once: nobody to confirm it in a pipe.
    await host.send("/quit");
    deepStrictEqual(await host.exited(), { code: ExitCode.Ok, stderr: "" });
    // As above: the process may be gone before the server has read its leave.
    await waitFor(() => !server.state.rooms.has("slashes"), "the host's /quit closed the room");
  });
});

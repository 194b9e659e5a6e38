import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import {
  CloseReason,
  encodeStage1Datagram,
  LeaveReason,
  Operation,
  RemoveReason,
} from "../protocol/mod.ts";
import { serve } from "../cli/run_serve.ts";
import { ListenError, startServer } from "../server/mod.ts";
import {
  enter,
  SILENCE_MS,
  startTestServer,
  TEST_OPTIONS,
  UdpClient,
  waitFor,
} from "./server_helpers.ts";

const { CreateRoom, JoinRoom } = Operation;
const TIMEOUT_SECONDS = 10;
const PAST_TIMEOUT_MS = (TIMEOUT_SECONDS + 1) * 1000;
const HALF_TIMEOUT_MS = TIMEOUT_SECONDS * 1000 / 2;

Deno.test("silent members are removed when the clock passes the timeout", async (t) => {
  await using test = await startTestServer({ timeoutSeconds: TIMEOUT_SECONDS });
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  await using cat = new UdpClient();
  const annToken = await enter(test, ann, CreateRoom, "r", "ann");
  await enter(test, bob, JoinRoom, "r", "bob");
  const catToken = await enter(test, cat, JoinRoom, "r", "cat", { kaiwa: true });
  deepStrictEqual(
    [
      await ann.receiveText(),
      await ann.receiveText(),
      await bob.receiveText(),
      (await cat.receiveEvent()).type,
    ],
    ["* bob joined", "* cat joined", "* cat joined", "members"],
  );
  const { state } = test.server;

  /** Sends a keep-alive at the current fake time and waits until the server saw it. */
  const keepAlive = async (client: UdpClient, token: string, message: string | Uint8Array) => {
    await client.send(test.udp, "r", token, message);
    await waitFor(
      () => state.memberByToken(token)?.lastActive === test.clock.now(),
      "the keep-alive",
    );
  };

  /**
   * Moves the clock past the timeout with `speak` sending keep-alives halfway, then sweeps: only
   * those who did not speak have been silent for longer than the timeout (all were heard from at
   * the start). The server's own sweep runs every second on this clock too, so it must find
   * nobody past the timeout while the keep-alives are on their way; the silent ones pass it in
   * the same turn as this sweep.
   */
  const passTimeout = async (speak: () => Promise<void>) => {
    test.clock.advance(HALF_TIMEOUT_MS);
    await speak();
    test.clock.advance(PAST_TIMEOUT_MS - HALF_TIMEOUT_MS);
    state.sweep(test.clock.now());
  };

  await t.step("a silent member is removed and the others told", async () => {
    await passTimeout(async () => {
      await keepAlive(ann, annToken, "");
      await keepAlive(cat, catToken, new Uint8Array(0));
    });
    strictEqual(await bob.receiveText(), "* you were removed for inactivity");
    strictEqual(await ann.receiveText(), "* bob timed out");
    const left = await cat.receiveEvent();
    ok(left.type === "left" && left.reason === LeaveReason.TimedOut);
    deepStrictEqual(left.names, ["bob"]);
  });
  await t.step("a silent host closes the room", async () => {
    // Both last spoke halfway through the last step: heard from now, as everyone was at the
    // start of it, neither is past the timeout before the sweep.
    await keepAlive(ann, annToken, "");
    await keepAlive(cat, catToken, new Uint8Array(0));
    await passTimeout(() => keepAlive(cat, catToken, new Uint8Array(0)));
    strictEqual(await ann.receiveText(), "* you were removed for inactivity");
    const closed = await cat.receiveEvent();
    ok(closed.type === "room-closed" && closed.reason === CloseReason.HostTimedOut);
    strictEqual(state.rooms.size, 0);
    strictEqual(state.memberCount, 0);
  });
  await t.step("the removal notice names inactivity for kaiwa members too", async () => {
    const token = await enter(test, cat, CreateRoom, "s", "cat", { kaiwa: true });
    strictEqual((await cat.receiveEvent()).type, "members");
    test.clock.advance(PAST_TIMEOUT_MS);
    state.sweep(test.clock.now());
    const removed = await cat.receiveEvent();
    ok(removed.type === "removed" && removed.reason === RemoveReason.Inactivity);
    strictEqual(state.memberByToken(token), undefined);
  });
});

Deno.test("shutdown tells every member of every room", async () => {
  const test = await startTestServer();
  await using ann = new UdpClient();
  await using cat = new UdpClient();
  await enter(test, ann, CreateRoom, "r", "ann");
  await enter(test, cat, CreateRoom, "s", "cat", { kaiwa: true });
  strictEqual((await cat.receiveEvent()).type, "members");
  await test.server.shutdown();
  strictEqual(await ann.receiveText(), "* the server is shutting down");
  strictEqual((await cat.receiveEvent()).type, "shutdown");
  await rejects(Deno.connect({ hostname: "127.0.0.1", port: test.tcpPort }));
});

Deno.test("the Stage 1 lobby relays to every other client that has spoken", async (t) => {
  await using test = await startTestServer({ lobbyPort: 0, timeoutSeconds: TIMEOUT_SECONDS });
  const lobby = test.server.lobby;
  const lobbyAddr = test.server.lobbyAddr;
  ok(lobby && lobbyAddr);
  await using a = new UdpClient();
  await using b = new UdpClient();
  await using c = new UdpClient();
  const fromA = encodeStage1Datagram("a", "hello");
  const fromB = encodeStage1Datagram("b", "hi a");

  await t.step("clients that have not spoken get nothing", async () => {
    await a.sendRaw(fromA, lobbyAddr);
    await waitFor(() => lobby.clients === 1, "a known");
    strictEqual(await a.receive(SILENCE_MS), null);
  });
  await t.step("a datagram reaches the others unchanged, not its sender", async () => {
    await b.sendRaw(fromB, lobbyAddr);
    deepStrictEqual(await a.receive(), fromB);
    await c.sendRaw(fromA, lobbyAddr);
    deepStrictEqual(await Promise.all([a.receive(), b.receive()]), [fromA, fromA]);
    deepStrictEqual(await c.receive(SILENCE_MS), null);
  });
  await t.step("malformed datagrams are dropped", async () => {
    await a.sendRaw(Uint8Array.of(9, 0x61), lobbyAddr);
    await waitFor(() => lobby.dropped === 1, "the drop");
    deepStrictEqual(await Promise.all([b.receive(SILENCE_MS), c.receive(SILENCE_MS)]), [
      null,
      null,
    ]);
  });
  await t.step("silent clients are forgotten", () => {
    test.clock.advance(PAST_TIMEOUT_MS);
    lobby.sweep(test.clock.now());
    strictEqual(lobby.clients, 0);
  });
});

/** serve() always offers TLS: its identity goes to a temporary data directory, removed after. */
async function withDataDir(run: (dataDir: string) => Promise<void>): Promise<void> {
  const dataDir = await Deno.makeTempDir({ dir: "/tmp", prefix: "kaiwa-serve-" });
  try {
    await run(dataDir);
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
}

Deno.test("listening failures are one line and exit code 1", async (t) => {
  await t.step("a port in use", () =>
    withDataDir(async (dataDir) => {
      using taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
      const port = taken.addr.port;
      await rejects(startServer({ ...TEST_OPTIONS, port }, { logSink: () => {} }), ListenError);
      const lines: string[] = [];
      const options = { ...TEST_OPTIONS, port, dataDir };
      strictEqual(await serve(options, { logSink: (line) => lines.push(line) }), 1);
      strictEqual(lines.length, 1);
      ok(lines[0].startsWith(`kaiwa: cannot listen on 127.0.0.1:${port}: `), lines[0]);
    }));
  await t.step("an address that is not local", () =>
    withDataDir(async (dataDir) => {
      const lines: string[] = [];
      const options = { ...TEST_OPTIONS, host: "192.0.2.1", dataDir };
      strictEqual(await serve(options, { logSink: (line) => lines.push(line) }), 1);
      ok(lines[0].startsWith("kaiwa: cannot listen on 192.0.2.1:0: "), lines[0]);
    }));
});

Deno.test("serve() listens, then stops cleanly on SIGTERM", () =>
  withDataDir(async (dataDir) => {
    const lines: string[] = [];
    const code = await serve({ ...TEST_OPTIONS, logLevel: "quiet", dataDir }, {
      logSink: (line) => {
        lines.push(line);
        // The signal listeners are in place once the listening line is out.
        if (line.includes("listening")) setTimeout(() => Deno.kill(Deno.pid, "SIGTERM"), 0);
      },
    });
    strictEqual(code, 0);
    strictEqual(lines.length, 1);
    ok(
      /^kaiwa: listening on tcp\+udp 127\.0\.0\.1:\d+, TLS SHA256:[A-Za-z0-9+/]{43}$/.test(
        lines[0],
      ),
      lines[0],
    );
  }));

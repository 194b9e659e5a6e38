/**
 * Faults around the server: a client killed with SIGKILL, a client whose deliveries fail, a
 * server that dies and comes back, and a shutdown with 1,000 members to tell.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { ExitCode } from "../cli/exit_codes.ts";
import { exitCodeFor } from "../cli/join_reasons.ts";
import { ChatSession } from "../client/session.ts";
import { endMessage, endReason } from "../client/session_end.ts";
import { decodeEvent, type KaiwaEvent, LeaveReason, Operation, Status } from "../protocol/mod.ts";
import { startServer } from "../server/mod.ts";
import { UNREACHABLE_SILENCE_MS } from "../server/state/mod.ts";
import {
  enter,
  FakeClock,
  roomRequest,
  startTestServer,
  tcrpRequest,
  TEST_OPTIONS,
  type TestServer,
  UdpClient,
  waitFor,
} from "./server_helpers.ts";

const { CreateRoom, JoinRoom } = Operation;
const MAIN = new URL("../main.ts", import.meta.url).pathname;
const TIMEOUT_SECONDS = 10;
/** A child process takes longer to start than a receive is allowed to wait. */
const CHILD_START_MS = 15_000;
const POLL_MS = 20;

/** Sends a keep-alive and waits until the server saw it at the current fake time. */
async function keepAlive(test: TestServer, client: UdpClient, token: string): Promise<void> {
  await client.send(test.udp, "r", token, new Uint8Array(0));
  await waitFor(
    () => test.server.state.memberByToken(token)?.lastActive === test.clock.now(),
    "the keep-alive",
  );
}

Deno.test("a client killed with SIGKILL is removed and announced once the timeout passes", async () => {
  await using test = await startTestServer({ timeoutSeconds: TIMEOUT_SECONDS });
  await using ann = new UdpClient();
  await using cat = new UdpClient();
  const annToken = await enter(test, ann, CreateRoom, "r", "ann");
  const catToken = await enter(test, cat, JoinRoom, "r", "cat", { kaiwa: true });
  strictEqual((await cat.receiveEvent()).type, "members");
  strictEqual(await ann.receiveText(), "* cat joined");
  const { state } = test.server;

  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-env", MAIN, "join", "r", "--name", "kid"].concat(
      ["--host", "127.0.0.1", "--port", String(test.tcpPort), "--insecure-plaintext"],
    ),
    // Pipe mode; stdin stays open so that the client stays in the room until it is killed.
    stdin: "piped",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const deadline = Date.now() + CHILD_START_MS;
    while (state.rooms.get("r")?.members.get("kid")?.address == null) {
      if (Date.now() > deadline) throw new Error("The client process never joined");
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    state.flushJoins(test.clock.now());
    strictEqual(await ann.receiveText(), "* kid joined");
    strictEqual((await cat.receiveEvent()).type, "joined");
  } finally {
    child.kill("SIGKILL");
    strictEqual((await child.status).signal, "SIGKILL");
    await child.stdin.close().catch(() => {});
  }

  // Silence from the dead client; the others speak halfway through the timeout.
  test.clock.advance(TIMEOUT_SECONDS * 1000 / 2);
  await keepAlive(test, ann, annToken);
  await keepAlive(test, cat, catToken);
  test.clock.advance(TIMEOUT_SECONDS * 1000 / 2 + 1);
  state.sweep(test.clock.now());
  strictEqual(await ann.receiveText(), "* kid timed out");
  const left = await cat.receiveEvent();
  deepStrictEqual(left.type === "left" && [left.reason, left.names], [LeaveReason.TimedOut, [
    "kid",
  ]]);
  strictEqual(state.rooms.get("r")?.members.has("kid"), false);
  strictEqual(state.memberCount, 2);
});

Deno.test("a silent kaiwa member whose deliveries keep failing is removed as unreachable", async () => {
  const failing = new Set<number>();
  await using test = await startTestServer({}, {
    send: (socket, bytes, address) =>
      failing.has(address.port)
        ? Promise.reject(new Deno.errors.ConnectionRefused("Injected: port unreachable"))
        : socket.send(bytes, address),
  });
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  await using cat = new UdpClient();
  const annToken = await enter(test, ann, CreateRoom, "r", "ann");
  await enter(test, bob, JoinRoom, "r", "bob", { kaiwa: true });
  strictEqual((await bob.receiveEvent()).type, "members");
  await enter(test, cat, JoinRoom, "r", "cat", { kaiwa: true });
  strictEqual((await cat.receiveEvent()).type, "members");
  deepStrictEqual([await ann.receiveText(), await ann.receiveText()], [
    "* bob joined",
    "* cat joined",
  ]);
  strictEqual((await bob.receiveEvent()).type, "joined");
  failing.add(bob.port);
  // Failed deliveries are a hint: they remove only a member that is also silent for a while.
  test.clock.advance(UNREACHABLE_SILENCE_MS);
  for (const text of ["1", "2", "3"]) await ann.send(test.udp, "r", annToken, text);
  for (const text of ["1", "2", "3"]) {
    const chat = await cat.receiveEvent();
    strictEqual(chat.type === "chat" && chat.text, text);
  }
  strictEqual(await ann.receiveText(), "* bob became unreachable");
  const left = await cat.receiveEvent();
  deepStrictEqual(left.type === "left" && [left.reason, left.names], [LeaveReason.Unreachable, [
    "bob",
  ]]);
  strictEqual(test.server.state.memberCount, 2);
});

Deno.test("a session whose server died and came back ends as a lost connection (exit 11)", async () => {
  const first = await startTestServer();
  const socket = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  const answer = await tcrpRequest(
    first.tcpPort,
    CreateRoom,
    "r",
    roomRequest("ann", {
      kaiwa: true,
    }),
    { announcePort: (socket.addr as Deno.NetAddr).port },
  );
  strictEqual(answer.status, Status.Ok);
  const clock = new FakeClock();
  const events: KaiwaEvent[] = [];
  const session = new ChatSession({
    socket,
    server: first.udp,
    roomName: "r",
    username: "ann",
    token: answer.token ?? "",
    onEvent: (event) => events.push(event),
    clock: clock.now,
    tickMs: 5,
    liveness: { pingIntervalMs: 1_000, silenceLimitMs: 3_000 },
  });
  const running = session.run();
  await waitFor(() => events.some((event) => event.type === "pong"), "the first pong");
  // Killed: no goodbye to anyone. Then a new server on the same port, knowing nobody.
  await first.server.close();
  const restarted = await startServer({ ...TEST_OPTIONS, port: first.tcpPort }, {
    logSink: () => {},
  });
  try {
    strictEqual(restarted.udpAddr.port, first.udp.port);
    clock.advance(1_000);
    await waitFor(() => restarted.state.counters.unknownToken >= 1, "a ping to the new server");
    const heard = events.length;
    clock.advance(2_000);
    const end = await running;
    deepStrictEqual(end, { kind: "lost" });
    strictEqual(events.length, heard);
    strictEqual(exitCodeFor(endReason(end)), ExitCode.ConnectionLost);
    const message = endMessage(end, session.silenceLimitMs);
    ok(message?.startsWith("Connection lost"), message ?? "no message");
  } finally {
    await restarted.close();
  }
});

Deno.test("shutdown tells each of 1,000 members in 250 rooms", async () => {
  const ROOMS = 250;
  const PER_ROOM = 4;
  const PARALLEL_ROOMS = 10;
  await using test = await startTestServer({ maxConnectionsPerIp: 64 });
  const clients: UdpClient[] = [];
  try {
    for (let i = 0; i < ROOMS * PER_ROOM; i++) clients.push(new UdpClient());
    const join = async (index: number, operation: number) => {
      const room = `room-${Math.floor(index / PER_ROOM)}`;
      const request = roomRequest(`m${index}`, { kaiwa: index % 2 === 0 });
      const answer = await tcrpRequest(test.tcpPort, operation, room, request, {
        announcePort: clients[index].port,
      });
      strictEqual(answer.status, Status.Ok);
    };
    for (let first = 0; first < ROOMS; first += PARALLEL_ROOMS) {
      await Promise.all(Array.from({ length: PARALLEL_ROOMS }, async (_, offset) => {
        const base = (first + offset) * PER_ROOM;
        await join(base, CreateRoom);
        await Promise.all([1, 2, 3].map((k) => join(base + k, JoinRoom)));
      }));
    }
    const { state } = test.server;
    strictEqual(state.memberCount, ROOMS * PER_ROOM);
    await waitFor(
      () =>
        [...state.rooms.values()].every((room) =>
          [...room.members.values()].every((member) => member.address !== null)
        ),
      "every port announced",
    );
    await test.server.shutdown();
    const told = await Promise.all(clients.map(async (client, index) => {
      // Join notices may come first; the shutdown notice is the last thing anyone gets. Of a
      // thousand ports, one may be an old one of another test run's client: its server's
      // datagrams are not this one's.
      for (;;) {
        const bytes = await client.receiveFrom(test.udp);
        if (bytes === null) return false;
        if (index % 2 === 0 ? decodeEvent(bytes).type === "shutdown" : isShutdownText(bytes)) {
          return true;
        }
      }
    }));
    strictEqual(told.filter((yes) => yes).length, ROOMS * PER_ROOM);
  } finally {
    await Promise.all(clients.map((client) => client[Symbol.asyncDispose]()));
  }
});

function isShutdownText(bytes: Uint8Array): boolean {
  return new TextDecoder().decode(bytes) === "* the server is shutting down";
}

/**
 * Faults inside handlers: an exception in one datagram, request or timer tick is counted and
 * logged (at most one line per second), and the server goes on serving everyone else.
 */

import { ok, strictEqual } from "node:assert/strict";
import { Operation, Status } from "../protocol/mod.ts";
import { FAULT_LOG_INTERVAL_MS, FaultLog, Logger, type PasswordHasher } from "../server/mod.ts";
import { receiveDatagrams } from "../server/udp/receive_loop.ts";
import {
  enter,
  FakeClock,
  roomRequest,
  SILENCE_MS,
  startTestServer,
  tcrpRequest,
  UdpClient,
  waitFor,
} from "./server_helpers.ts";

const { CreateRoom, JoinRoom } = Operation;
const faultLines = (logs: string[]) => logs.filter((line) => line.includes("fault in"));

/** A cheap hasher whose `hash` throws while `failing` is above zero. */
function flakyHasher(): PasswordHasher & { failing: number } {
  const encoder = new TextEncoder();
  return {
    failing: 0,
    hash(password) {
      if (this.failing > 0) {
        this.failing -= 1;
        throw new Error("Injected hasher fault");
      }
      return Promise.resolve({ salt: new Uint8Array(1), key: encoder.encode(password) });
    },
    verify(password, hash) {
      return Promise.resolve(new TextDecoder().decode(hash.key) === password);
    },
  };
}

Deno.test("FaultLog counts every fault and logs at most one line per second", () => {
  const clock = new FakeClock();
  const lines: string[] = [];
  const faults = new FaultLog(new Logger("quiet", (line) => lines.push(line)), clock.now);
  for (let i = 0; i < 5; i++) faults.report("a test", new TypeError(`Bad ${i}`));
  strictEqual(lines.length, 1);
  strictEqual(lines[0], "kaiwa: fault in a test: TypeError: Bad 0");
  clock.advance(FAULT_LOG_INTERVAL_MS - 1);
  faults.guard("a guarded step", () => {
    throw new Error("Still within the second");
  });
  strictEqual(lines.length, 1);
  clock.advance(1);
  faults.report("a test", "not an Error");
  strictEqual(lines.length, 2);
  strictEqual(lines[1], "kaiwa: fault in a test: not an Error (5 more faults were not logged)");
  strictEqual(faults.count, 7);
});

Deno.test("a datagram whose handling throws is a counted fault; the relay goes on", async (t) => {
  await using test = await startTestServer();
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  const annToken = await enter(test, ann, CreateRoom, "r", "ann");
  await enter(test, bob, JoinRoom, "r", "bob");
  strictEqual(await ann.receiveText(), "* bob joined");
  const notifier = test.server.notifier;
  const chat = notifier.chat;

  await t.step("one fault: counted, logged, nothing relayed", async () => {
    let armed = true;
    notifier.chat = (...args) => {
      if (armed) {
        armed = false;
        throw new Error("Injected notifier fault");
      }
      chat.apply(notifier, args);
    };
    await ann.send(test.udp, "r", annToken, "boom");
    await waitFor(() => test.server.faults.count === 1, "the fault");
    ok(
      faultLines(test.logs)[0].includes("fault in a datagram from 127.0.0.1: Error: Injected"),
      faultLines(test.logs)[0],
    );
    await ann.send(test.udp, "r", annToken, "after");
    strictEqual(await bob.receiveText(), "ann: after");
  });
  await t.step("a flood of faults: every one counted, one log line", async () => {
    notifier.chat = () => {
      throw new Error("Injected notifier fault");
    };
    for (let i = 0; i < 50; i++) await ann.send(test.udp, "r", annToken, `x${i}`);
    await waitFor(() => test.server.faults.count === 51, "50 more faults");
    strictEqual(faultLines(test.logs).length, 1);
    notifier.chat = chat;
    await ann.send(test.udp, "r", annToken, "fixed");
    strictEqual(await bob.receiveText(), "ann: fixed");
  });
});

Deno.test("a request whose handling throws is answered 5; the next one is served", async () => {
  const hasher = flakyHasher();
  await using test = await startTestServer({}, { hasher });
  hasher.failing = 1;
  const request = roomRequest("ann", { password: "pw" });
  strictEqual(
    (await tcrpRequest(test.tcpPort, CreateRoom, "r", request)).status,
    Status.ServerError,
  );
  strictEqual(test.server.faults.count, 1);
  ok(faultLines(test.logs)[0].includes("fault in a request from 127.0.0.1"));
  strictEqual((await tcrpRequest(test.tcpPort, CreateRoom, "r", request)).status, Status.Ok);
  const join = roomRequest("bob", { password: "pw" });
  strictEqual((await tcrpRequest(test.tcpPort, JoinRoom, "r", join)).status, Status.Ok);
});

Deno.test("the receive loop shared by the UDP front and the lobby survives a throwing handler", async () => {
  const faults = new FaultLog(new Logger("quiet", () => {}), Date.now);
  const socket = Deno.listenDatagram({ hostname: "127.0.0.1", port: 0, transport: "udp" });
  await using client = new UdpClient();
  const handled: number[] = [];
  const loop = receiveDatagrams(socket, {
    events: {
      received: (bytes) => {
        if (bytes[0] === 0) throw new RangeError("Injected handler fault");
        handled.push(bytes[0]);
      },
      oversize: () => {
        throw new RangeError("Injected oversize fault");
      },
    },
    log: new Logger("quiet", () => {}),
    faults,
    extra: null,
  });
  const server = socket.addr as Deno.NetAddr;
  await client.sendRaw(Uint8Array.of(0), server);
  await client.sendRaw(new Uint8Array(5000), server);
  await client.sendRaw(Uint8Array.of(7), server);
  await waitFor(() => handled.length === 1, "the datagram after the faults");
  strictEqual(handled[0], 7);
  strictEqual(faults.count, 2);
  socket.close();
  await loop;
});

Deno.test("a throwing timer tick is a fault: the member still goes, the timers keep running", async () => {
  await using test = await startTestServer({ timeoutSeconds: 10 });
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  await using cat = new UdpClient();
  const annToken = await enter(test, ann, CreateRoom, "r", "ann");
  await enter(test, bob, JoinRoom, "r", "bob");
  strictEqual(await ann.receiveText(), "* bob joined");
  const { state, notifier } = test.server;
  const removed = notifier.removed;
  notifier.removed = () => {
    throw new Error("Injected removal fault");
  };
  // Ann speaks halfway, so that whenever the sweeper runs, only bob is past the timeout.
  test.clock.advance(6_000);
  await ann.send(test.udp, "r", annToken, "");
  await waitFor(() => state.memberByToken(annToken)?.lastActive === test.clock.now(), "keep-alive");
  test.clock.advance(5_000);
  // The server's own sweeper (every second) meets the fault.
  await waitFor(() => test.server.faults.count >= 1, "the sweep fault");
  strictEqual(state.memberCount, 1);
  strictEqual(await ann.receiveText(), "* bob timed out");
  strictEqual(await bob.receive(SILENCE_MS), null);
  notifier.removed = removed;
  // The join flusher still runs: a newcomer is announced without the test flushing by hand.
  const answer = await tcrpRequest(test.tcpPort, JoinRoom, "r", roomRequest("cat"), {
    announcePort: cat.port,
  });
  strictEqual(answer.status, Status.Ok);
  strictEqual(await ann.receiveText(), "* cat joined");
});

Deno.test("shutdown tells the other rooms and stops even when one room's notice throws", async () => {
  const test = await startTestServer();
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  await enter(test, ann, CreateRoom, "bad", "ann");
  await enter(test, bob, CreateRoom, "good", "bob");
  const notifier = test.server.notifier;
  const shutdown = notifier.shutdown;
  notifier.shutdown = (room, now) => {
    if (room.name === "bad") throw new Error("Injected shutdown fault");
    shutdown.call(notifier, room, now);
  };
  await test.server.shutdown();
  strictEqual(await bob.receiveText(), "* the server is shutting down");
  strictEqual(await ann.receive(SILENCE_MS), null);
  strictEqual(test.server.faults.count, 1);
  strictEqual(test.server.state.memberCount, 0);
});

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { LeaveReason, Operation } from "../protocol/mod.ts";
import { FaultLog } from "../server/faults.ts";
import { BatchSendQueue } from "../server/fast_udp/batch_queue.ts";
import { enableErrorQueue, ErrorQueue } from "../server/fast_udp/error_queue.ts";
import { Errno } from "../server/fast_udp/libc.ts";
import { MmsgReceiver } from "../server/fast_udp/mmsg_receiver.ts";
import { MmsgSender } from "../server/fast_udp/mmsg_sender.ts";
import { packedSockaddr } from "../server/fast_udp/sockaddr.ts";
import { Logger } from "../server/log.ts";
import {
  MAX_DELIVERY_FAILURES,
  type UdpAddress,
  UNREACHABLE_SILENCE_MS,
} from "../server/state/mod.ts";
import { receiveDatagrams } from "../server/udp/receive_loop.ts";
import {
  enter,
  RECEIVE_TIMEOUT_MS,
  SILENCE_MS,
  startTestServer,
  type TestServer,
  UdpClient,
  waitFor,
} from "./server_helpers.ts";
import { type FastSocket, fastSocket, ignoreFastUdp } from "./fast_udp_fixture.ts";

/**
 * ICMP "port unreachable" on the fast path (`--udp fast`): the socket's error queue (IP_RECVERR) names
 * the address a datagram could not reach. ICMP is a hint only (easily forged): a kaiwa member
 * bound there is removed after MAX_DELIVERY_FAILURES of them only when it is also silent for
 * UNREACHABLE_SILENCE_MS. Loopback answers a datagram to a closed port with that ICMP
 * error. Deno's own sockets never see it: the control case shows the member staying.
 */
const ignore = ignoreFastUdp;
const { CreateRoom, JoinRoom } = Operation;
const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MS_PER_SECOND = 1000;
const LOOPBACK = "127.0.0.1";

function addressOf(port: number): UdpAddress {
  return { transport: "udp", hostname: LOOPBACK, port };
}

/** A port nobody listens on any more: bound, then closed. */
async function closedPort(): Promise<number> {
  const client = new UdpClient();
  const port = client.port;
  await client[Symbol.asyncDispose]();
  return port;
}

/** A Deno socket with IP_RECVERR on, its descriptor and libc; `using` releases them. */
/** A socket whose error queue is on; its descriptor is known. */
function watchedSocket(): FastSocket & { fd: number } {
  const watched = fastSocket();
  const fd = watched.fd;
  ok(fd !== null);
  ok(enableErrorQueue(watched.libc, fd));
  return Object.assign(watched, { fd });
}

/** The next text `client` receives that is not chat (a notice), or null when none comes. */
async function nextNotice(
  client: UdpClient,
  timeoutMs = RECEIVE_TIMEOUT_MS,
): Promise<string | null> {
  for (;;) {
    const bytes = await client.receive(timeoutMs);
    if (bytes === null) return null;
    const text = decoder.decode(bytes);
    if (text.startsWith("* ")) return text;
  }
}

/** ann (standard) hosts room r; cat and then bob (both kaiwa) join it. */
async function roomOfThree(test: TestServer, ann: UdpClient, cat: UdpClient, bob: UdpClient) {
  const annToken = await enter(test, ann, CreateRoom, "r", "ann", { announce: true });
  const catToken = await enter(test, cat, JoinRoom, "r", "cat", { kaiwa: true });
  strictEqual((await cat.receiveEvent()).type, "members");
  strictEqual(await ann.receiveText(), "* cat joined");
  const bobToken = await enter(test, bob, JoinRoom, "r", "bob", { kaiwa: true });
  strictEqual((await bob.receiveEvent()).type, "members");
  strictEqual(await ann.receiveText(), "* bob joined");
  strictEqual((await cat.receiveEvent()).type, "joined");
  return { annToken, catToken, bobToken, bob: test.server.state.memberByToken(bobToken)! };
}

Deno.test({
  name: "ErrorQueue names the closed port an ICMP error came back for",
  ignore,
  async fn() {
    using watched = watchedSocket();
    const errors = new ErrorQueue(watched.libc, watched.fd);
    const seen: [string, number, number][] = [];
    const record = (hostname: string, port: number, errno: number) => {
      seen.push([hostname, port, errno]);
    };
    strictEqual(errors.drain(record), 0);
    const dead = await closedPort();
    const other = await closedPort();
    // Reading the last queued error also clears the socket's pending error, so the next send
    // does not fail with it.
    for (const port of [dead, other]) {
      await watched.socket.send(encoder.encode("hello"), addressOf(port));
      await waitFor(() => (errors.drain(record), seen.at(-1)?.[1] === port), `error for ${port}`);
    }
    deepStrictEqual(seen, [
      [LOOPBACK, dead, Errno.ECONNREFUSED],
      [LOOPBACK, other, Errno.ECONNREFUSED],
    ]);
    strictEqual(errors.drain(record), 0);
  },
});

Deno.test({
  name: "a pending ICMP error neither drops nor fails the next datagram sent or received",
  ignore,
  async fn(t) {
    using watched = watchedSocket();
    await using live = new UdpClient();
    const dead = await closedPort();
    const outcomes: boolean[] = [];
    const sender = new MmsgSender(watched.libc, watched.fd, (_member, delivered) => {
      outcomes.push(delivered);
    });
    const send = (text: string, port: number) => {
      const bytes = encoder.encode(text);
      sender.add(sender.stage(bytes), bytes.length, packedSockaddr(addressOf(port)), null);
      ok(sender.flush());
    };
    await t.step("send: the datagram after one to a closed port goes out", async () => {
      send("lost", dead);
      // Loopback queues the ICMP error at once: the socket's next call fails once with it.
      send("kept", live.port);
      deepStrictEqual(outcomes, [true, true]);
      strictEqual(await live.receiveText(), "kept");
    });
    await t.step("receive: datagrams waiting behind the error are taken", async () => {
      await watched.socket.send(encoder.encode("lost"), addressOf(dead));
      const to = watched.socket.addr as Deno.NetAddr;
      for (const text of ["a", "b", "c"]) await live.sendRaw(encoder.encode(text), to);
      const taken: string[] = [];
      const receiver = new MmsgReceiver(watched.libc, watched.fd, 64);
      strictEqual(receiver.receive((bytes) => taken.push(decoder.decode(bytes))), 3);
      deepStrictEqual(taken, ["a", "b", "c"]);
    });
    await t.step("both ICMP errors are in the error queue", () => {
      let count = 0;
      new ErrorQueue(watched.libc, watched.fd).drain(() => count++);
      strictEqual(count, 2);
    });
  },
});

Deno.test({
  name: "the receive loop goes on past a pending ICMP error and loses no datagram",
  ignore,
  async fn() {
    const watched = watchedSocket();
    await using live = new UdpClient();
    const logs: string[] = [];
    const log = new Logger("verbose", (line) => logs.push(line));
    const faults = new FaultLog(log, Date.now);
    const received: string[] = [];
    const receiver = new MmsgReceiver(watched.libc, watched.fd, 64);
    const loop = receiveDatagrams(watched.socket, {
      events: { received: (bytes) => received.push(decoder.decode(bytes)), oversize: () => {} },
      log,
      faults,
      extra: (dispatch) => receiver.receive(dispatch),
    });
    try {
      const to = watched.socket.addr as Deno.NetAddr;
      // Each error is left pending for the waiting receive: nothing reads the error queue here.
      for (const text of ["a", "b", "c"]) {
        await watched.socket.send(encoder.encode("lost"), addressOf(await closedPort()));
        await live.sendRaw(encoder.encode(text), to);
        await waitFor(() => received.at(-1) === text, `datagram ${text}`);
      }
      deepStrictEqual(received, ["a", "b", "c"]);
      // Deno's receive did meet the pending errors (each fails it once) and went on.
      ok(logs.some((line) => line.includes("Connection refused")), logs.join("\n"));
      strictEqual(faults.count, 0);
    } finally {
      watched[Symbol.dispose]();
      await loop;
    }
  },
});

Deno.test({
  name: "BatchSendQueue reports each ICMP unreachable and keeps delivering to the others",
  ignore,
  async fn() {
    using watched = watchedSocket();
    await using live = new UdpClient();
    const dead = await closedPort();
    const failed: string[] = [];
    const unreachable: number[] = [];
    const outbox = new BatchSendQueue(
      watched.libc,
      watched.fd,
      (address) => failed.push(address.port === dead ? "gone" : "here"),
      (_hostname, port) => unreachable.push(port),
    );
    for (const text of ["1", "2", "3"]) {
      const bytes = encoder.encode(text);
      outbox.push(bytes, addressOf(dead));
      outbox.push(bytes, addressOf(live.port));
      await outbox.drain(RECEIVE_TIMEOUT_MS);
    }
    await waitFor(() => unreachable.length === 3, "three ICMP errors");
    deepStrictEqual(unreachable, [dead, dead, dead]);
    deepStrictEqual(failed, []);
    for (const text of ["1", "2", "3"]) strictEqual(await live.receiveText(), text);
    await outbox.close();
  },
});

Deno.test({
  name: "the fast path removes a silent member whose UDP port closed after three deliveries",
  ignore,
  async fn(t) {
    await using test = await startTestServer({ udpPath: "fast" });
    ok(test.logs.some((line) => line.includes("ICMP errors read")), test.logs.join("\n"));
    await using ann = new UdpClient();
    await using cat = new UdpClient();
    const bobClient = new UdpClient();
    const { annToken, bob } = await roomOfThree(test, ann, cat, bobClient);
    await bobClient[Symbol.asyncDispose]();
    // ICMP errors remove only a member silent for a while too: bob fell silent when it closed.
    test.clock.advance(UNREACHABLE_SILENCE_MS);

    await t.step("each message relayed to the closed port counts one failure", async () => {
      for (let i = 1; i < MAX_DELIVERY_FAILURES; i++) {
        await ann.send(test.udp, "r", annToken, `m${i}`);
        await waitFor(() => bob.failures === i, `failure ${i}`);
        ok(bob.active);
      }
    });
    await t.step("the third removes it, announced as unreachable", async () => {
      await ann.send(test.udp, "r", annToken, `m${MAX_DELIVERY_FAILURES}`);
      strictEqual(await nextNotice(ann), "* bob became unreachable");
      ok(!bob.active);
      strictEqual(test.server.state.rooms.get("r")?.members.size, 2);
    });
    await t.step("the others lost nothing meanwhile, and chat goes on", async () => {
      const texts: string[] = [];
      for (let i = 1; i <= MAX_DELIVERY_FAILURES; i++) {
        const event = await cat.receiveEvent();
        ok(event.type === "chat");
        texts.push(event.text);
      }
      deepStrictEqual(texts, ["m1", "m2", "m3"]);
      const left = await cat.receiveEvent();
      ok(left.type === "left" && left.reason === LeaveReason.Unreachable);
      deepStrictEqual(left.names, ["bob"]);
      await ann.send(test.udp, "r", annToken, "after");
      const after = await cat.receiveEvent();
      ok(after.type === "chat" && after.text === "after");
      strictEqual(test.server.faults.count, 0);
    });
  },
});

Deno.test(
  "on the portable path a closed port is not seen: the member stays until the timeout",
  async () => {
    await using test = await startTestServer({ udpPath: "portable" });
    await using ann = new UdpClient();
    await using cat = new UdpClient();
    const bobClient = new UdpClient();
    const { annToken, catToken, bob } = await roomOfThree(test, ann, cat, bobClient);
    await bobClient[Symbol.asyncDispose]();
    for (let i = 1; i <= MAX_DELIVERY_FAILURES; i++) {
      await ann.send(test.udp, "r", annToken, `m${i}`);
      strictEqual((await cat.receiveEvent()).type, "chat");
    }
    strictEqual(await nextNotice(ann, SILENCE_MS), null);
    ok(bob.active);
    strictEqual(bob.failures, 0);
    // Halfway through the timeout, ann and cat speak (cat sends a keep-alive): only bob stays
    // silent past it. Halfway, not past it: the server's own sweep (every second, on this clock)
    // must not find the speakers past the timeout before their datagrams are read.
    const timeoutMs = test.server.state.config.timeoutSeconds * MS_PER_SECOND;
    test.clock.advance(timeoutMs / 2);
    await ann.send(test.udp, "r", annToken, "still here");
    strictEqual((await cat.receiveEvent()).type, "chat");
    await cat.send(test.udp, "r", catToken, new Uint8Array(0));
    const catMember = test.server.state.memberByToken(catToken)!;
    await waitFor(() => catMember.lastActive === test.clock.time, "cat's keep-alive");
    test.clock.advance(timeoutMs / 2 + MS_PER_SECOND);
    test.server.state.sweep(test.clock.time);
    strictEqual(await nextNotice(ann), "* bob timed out");
    ok(!bob.active && catMember.active);
  },
);

Deno.test("unreachable() counts a failure for each member bound to the address", async (t) => {
  await using test = await startTestServer();
  await using ann = new UdpClient();
  await using cat = new UdpClient();
  await using bob = new UdpClient();
  const { state } = test.server;
  const { catToken, bobToken, bob: bobMember } = await roomOfThree(test, ann, cat, bob);
  const catMember = state.memberByToken(catToken)!;
  const now = test.clock.now;
  await t.step("an address nobody is bound to changes nothing", async () => {
    state.unreachable(LOOPBACK, await closedPort(), now());
    state.unreachable("10.9.8.7", bob.port, now());
    strictEqual(bobMember.failures, 0);
    strictEqual(state.boundAddressCount, 3);
  });
  await t.step("a valid datagram between failures starts the count again", async () => {
    state.unreachable(LOOPBACK, bob.port, now());
    state.unreachable(LOOPBACK, bob.port, now());
    strictEqual(bobMember.failures, 2);
    strictEqual(catMember.failures, 0);
    test.clock.advance(MS_PER_SECOND);
    await bob.send(test.udp, "r", bobToken, new Uint8Array(0));
    await waitFor(() => bobMember.lastActive === test.clock.time, "bob's keep-alive");
    state.unreachable(LOOPBACK, bob.port, now());
    strictEqual(bobMember.failures, 1);
    ok(bobMember.active);
  });
  await t.step("the address is forgotten once its silent member is gone", () => {
    test.clock.advance(UNREACHABLE_SILENCE_MS);
    state.unreachable(LOOPBACK, bob.port, now());
    state.unreachable(LOOPBACK, bob.port, now());
    ok(!bobMember.active);
    strictEqual(state.boundAddressCount, 2);
    state.leave(state.rooms.get("r")!.host!, now());
    strictEqual(state.boundAddressCount, 0);
  });
});

import { deepStrictEqual, ok, rejects, strictEqual } from "node:assert/strict";
import { CloseReason, Command, LeaveReason, NoticeCode, Operation } from "../protocol/mod.ts";
import { unavailableReason } from "../server/fast_udp/libc.ts";
import { enter, startTestServer, type TestServer, UdpClient } from "./server_helpers.ts";

/**
 * The relay's core cases again, forced onto the fast path (`--udp fast`) (sendmmsg through FFI); the same
 * cases over Deno's sends are in server_relay_test.ts and server_lifecycle_test.ts. Skipped
 * where the fast path cannot run (not Linux, or no --allow-ffi).
 */
const ignore = unavailableReason() !== null;
const { CreateRoom, JoinRoom } = Operation;
const NO_TIME = 0;
/** Datagrams sent at once: a backlog for the batched receive, well within a socket's buffer. */
const BURST = 100;
const FAST_PATH_LINE = "fast path: sendmmsg and recvmmsg batches";
const timeless = <T extends { time: number }>(event: T): T => ({ ...event, time: NO_TIME });

/** A test server on the fast path; fails if the server fell back to Deno's sends. */
async function startFastServer(): Promise<TestServer> {
  const test = await startTestServer({ udpPath: "fast" });
  ok(test.logs.some((line) => line.includes(FAST_PATH_LINE)), test.logs.join("\n"));
  return test;
}

Deno.test({
  name: "--udp fast relays between standard and kaiwa members",
  ignore,
  async fn(t) {
    await using test = await startFastServer();
    await using ann = new UdpClient();
    await using bob = new UdpClient();
    await using cat = new UdpClient();
    const annToken = await enter(test, ann, CreateRoom, "r", "ann", { announce: true });
    const bobToken = await enter(test, bob, JoinRoom, "r", "bob");
    strictEqual(await ann.receiveText(), "* bob joined");
    const catToken = await enter(test, cat, JoinRoom, "r", "cat", { kaiwa: true });

    await t.step("joins and the member list arrive", async () => {
      const members = await cat.receiveEvent();
      ok(members.type === "members" && members.members.length === 3);
      strictEqual(await ann.receiveText(), "* cat joined");
      strictEqual(await bob.receiveText(), "* cat joined");
    });
    await t.step(
      "chat goes out as text and as an event, in order, from the server port",
      async () => {
        await ann.send(test.udp, "r", annToken, "one");
        await ann.send(test.udp, "r", annToken, "two");
        const [bytes, from] = await bob.socket.receive();
        strictEqual(new TextDecoder().decode(bytes), "ann: one");
        strictEqual((from as Deno.NetAddr).port, test.udp.port);
        strictEqual(await bob.receiveText(), "ann: two");
        deepStrictEqual(
          [timeless(await cat.receiveEvent()), timeless(await cat.receiveEvent())],
          ["one", "two"].map((text, i) => ({
            type: "chat",
            time: NO_TIME,
            seq: i + 1,
            sender: "ann",
            text,
          })),
        );
      },
    );
    await t.step("notices and pongs answer the asker only", async () => {
      await cat.send(test.udp, "r", catToken, Uint8Array.of(Command.Ping));
      strictEqual((await cat.receiveEvent()).type, "pong");
      await cat.send(test.udp, "r", catToken, Uint8Array.of(0x7f));
      const notice = await cat.receiveEvent();
      ok(notice.type === "notice" && notice.code === NoticeCode.UnknownCommand);
    });
    await t.step(
      "a burst (a backlog for recvmmsg) is relayed complete and in order",
      async () => {
        const texts = Array.from({ length: BURST }, (_, i) => `b${i}`);
        for (const text of texts) await ann.send(test.udp, "r", annToken, text);
        const received = [];
        for (let i = 0; i < BURST; i++) received.push(await bob.receiveText());
        deepStrictEqual(received, texts.map((text) => `ann: ${text}`));
        for (let i = 0; i < BURST; i++) strictEqual((await cat.receiveEvent()).type, "chat");
      },
    );
    await t.step("departures and the room's close are announced", async () => {
      await bob.send(test.udp, "r", bobToken, "/exit");
      strictEqual(await ann.receiveText(), "* bob left");
      const left = await cat.receiveEvent();
      ok(left.type === "left" && left.reason === LeaveReason.Left);
      await ann.send(test.udp, "r", annToken, "/exit");
      deepStrictEqual(timeless(await cat.receiveEvent()), {
        type: "room-closed",
        time: NO_TIME,
        reason: CloseReason.HostLeft,
      });
    });
  },
});

Deno.test({
  name: "--udp fast shutdown tells every member before the socket closes",
  ignore,
  async fn() {
    const test = await startFastServer();
    await using ann = new UdpClient();
    await using cat = new UdpClient();
    await enter(test, ann, CreateRoom, "r", "ann");
    await enter(test, cat, CreateRoom, "s", "cat", { kaiwa: true });
    strictEqual((await cat.receiveEvent()).type, "members");
    await test.server.shutdown();
    strictEqual(await ann.receiveText(), "* the server is shutting down");
    strictEqual((await cat.receiveEvent()).type, "shutdown");
  },
});

Deno.test("--udp auto without --allow-ffi falls back to Deno's sockets and says so once", {
  permissions: { net: true, env: true, read: true, ffi: false },
}, async () => {
  await using test = await startTestServer({ udpPath: "auto" });
  const fallbacks = test.logs.filter((line) => line.includes("the fast path cannot run"));
  strictEqual(fallbacks.length, 1, test.logs.join("\n"));
  ok(!test.logs.some((line) => line.includes(FAST_PATH_LINE)), test.logs.join("\n"));
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  const annToken = await enter(test, ann, CreateRoom, "r", "ann");
  await enter(test, bob, JoinRoom, "r", "bob");
  strictEqual(await ann.receiveText(), "* bob joined");
  await ann.send(test.udp, "r", annToken, "hi");
  strictEqual(await bob.receiveText(), "ann: hi");
});

Deno.test({
  name: "--udp auto takes the fast path where it can run",
  ignore,
  async fn() {
    await using test = await startTestServer({ udpPath: "auto" });
    ok(test.logs.some((line) => line.includes(FAST_PATH_LINE)), test.logs.join("\n"));
  },
});

Deno.test("--udp fast without --allow-ffi refuses to start, leaving no socket open", {
  permissions: { net: true, env: true, read: true, ffi: false },
}, async () => {
  await rejects(
    startTestServer({ udpPath: "fast" }),
    (error: Error) => error.message.startsWith("--udp fast cannot run on 127.0.0.1: "),
  );
});

Deno.test("--udp portable keeps Deno's sockets even where the fast path could run", async () => {
  await using test = await startTestServer({ udpPath: "portable" });
  ok(!test.logs.some((line) => line.includes(FAST_PATH_LINE)), test.logs.join("\n"));
  ok(!test.logs.some((line) => line.includes("the fast path cannot run")), test.logs.join("\n"));
});

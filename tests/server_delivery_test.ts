/**
 * Delivery over loopback UDP (issue 13, docs/protocol.md §3.2): a resent message id relayed once
 * and confirmed again, NACKs answered to the asker only (with a Gap for what is gone), history on
 * joining for kaiwa members only.
 */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { encodeCommand, type KaiwaEvent, Operation } from "../protocol/mod.ts";
import type { ServeOptions } from "../server/options.ts";
import {
  enter,
  SILENCE_MS,
  startTestServer,
  type TestServer,
  UdpClient,
} from "./server_helpers.ts";

const { CreateRoom, JoinRoom } = Operation;

/** A room "r": kaiwa ann (host) and kaiwa bob, their member lists and joins read. */
async function kaiwaRoom(test: TestServer, ann: UdpClient, bob: UdpClient) {
  const annToken = await enter(test, ann, CreateRoom, "r", "ann", { kaiwa: true });
  strictEqual((await ann.receiveEvent()).type, "members");
  const bobToken = await enter(test, bob, JoinRoom, "r", "bob", { kaiwa: true });
  strictEqual((await bob.receiveEvent()).type, "members");
  strictEqual((await ann.receiveEvent()).type, "joined");
  return { annToken, bobToken };
}

/** `count` chats from ann ("m1", …), each read by both, the clock moving 1 s each. */
async function talk(
  test: TestServer,
  ann: UdpClient,
  annToken: string,
  readers: UdpClient[],
  count: number,
): Promise<KaiwaEvent[]> {
  const sent: KaiwaEvent[] = [];
  for (let i = 1; i <= count; i++) {
    test.clock.advance(1_000);
    await ann.send(test.udp, "r", annToken, encodeCommand({ type: "chat", text: `m${i}` }));
    for (const reader of readers) {
      const event = await reader.receiveEvent();
      if (reader === readers[0]) sent.push(event);
    }
  }
  return sent;
}

async function nothingMore(...clients: UdpClient[]): Promise<void> {
  for (const client of clients) strictEqual(await client.receive(SILENCE_MS), null);
}

function startWith(overrides: Partial<ServeOptions> = {}) {
  return startTestServer(overrides);
}

Deno.test("delivery: a resent message id reaches the room once and is confirmed again", async () => {
  await using test = await startWith();
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  const { annToken } = await kaiwaRoom(test, ann, bob);
  const message = encodeCommand({ type: "chat", id: 0xfeed_0001, text: "once" });
  await ann.send(test.udp, "r", annToken, message);
  const original = await ann.receiveEvent();
  deepStrictEqual(await bob.receiveEvent(), original);
  strictEqual(original.type === "chat" && original.text, "once");
  // The confirmation was lost, say: the client resends, later.
  test.clock.advance(1_300);
  await ann.send(test.udp, "r", annToken, message);
  deepStrictEqual(await ann.receiveEvent(), original, "the same seq and time again");
  await nothingMore(bob);
  // A new id is a new message.
  await ann.send(test.udp, "r", annToken, encodeCommand({ type: "chat", id: 2, text: "once" }));
  const next = await bob.receiveEvent();
  if (next.type !== "chat" || original.type !== "chat") throw new Error("not chat events");
  strictEqual(next.seq, original.seq + 1);
});

Deno.test("delivery: a NACK resends the held events to the asker only, a Gap for the rest", async () => {
  await using test = await startWith({ roomBuffer: 3 });
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  const { annToken, bobToken } = await kaiwaRoom(test, ann, bob);
  const sent = await talk(test, ann, annToken, [bob, ann], 5);
  test.clock.advance(1_000);
  await bob.send(test.udp, "r", bobToken, encodeCommand({ type: "nack", from: 1, to: 5 }));
  const gap = await bob.receiveEvent();
  deepStrictEqual(gap, { type: "gap", time: test.clock.now(), from: 1, to: 2 });
  // Seqs 3 to 5 as they were first sent: same seq, same time.
  for (const event of sent.slice(2)) deepStrictEqual(await bob.receiveEvent(), event);
  await nothingMore(ann, bob);
});

Deno.test("delivery: a kaiwa member joining gets the last --history messages as History", async () => {
  await using test = await startWith({ history: 3 });
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  await using cid = new UdpClient();
  await using dan = new UdpClient();
  const { annToken } = await kaiwaRoom(test, ann, bob);
  const sent = await talk(test, ann, annToken, [ann, bob], 5);
  await enter(test, cid, JoinRoom, "r", "cid", { kaiwa: true });
  strictEqual((await cid.receiveEvent()).type, "members");
  for (const event of sent.slice(2)) {
    deepStrictEqual(await cid.receiveEvent(), { ...event, history: true });
  }
  // A standard member gets no history: only what the others say from now on.
  await enter(test, dan, JoinRoom, "r", "dan");
  deepStrictEqual((await cid.receiveEvent()).type, "joined");
  await nothingMore(cid, dan);
});

Deno.test("delivery: --history 0 sends no history", async () => {
  await using test = await startWith({ history: 0 });
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  await using cid = new UdpClient();
  const { annToken } = await kaiwaRoom(test, ann, bob);
  await talk(test, ann, annToken, [ann, bob], 2);
  await enter(test, cid, JoinRoom, "r", "cid", { kaiwa: true });
  strictEqual((await cid.receiveEvent()).type, "members");
  await nothingMore(cid);
});

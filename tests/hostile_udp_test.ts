/**
 * Hostile UDP: every datagram that does not authenticate, or is not well formed, is dropped,
 * counted under its reason, and never answered — not to its sender, not to the room.
 */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { Command, MAX_DATAGRAM_SIZE, Operation } from "../protocol/mod.ts";
import type { DropCounters, DropReason } from "../server/state/mod.ts";
import { enter, SILENCE_MS, startTestServer, UdpClient, waitFor } from "./server_helpers.ts";

const { CreateRoom, JoinRoom } = Operation;
const encoder = new TextEncoder();

/** A datagram with explicit sizes and parts, so that sizes and contents can disagree. */
function raw(roomSize: number, tokenSize: number, ...parts: (string | Uint8Array)[]): Uint8Array {
  const bytes = parts.map((part) => typeof part === "string" ? encoder.encode(part) : part);
  return Uint8Array.of(roomSize, tokenSize, ...bytes.flatMap((part) => [...part]));
}

/** A well-formed datagram of `size` bytes in all, the message padded with "x". */
function sized(room: string, token: string, size: number): Uint8Array {
  const head = raw(room.length, token.length, room, token);
  const datagram = new Uint8Array(size).fill(0x78);
  datagram.set(head);
  return datagram;
}

Deno.test("datagrams that do not authenticate or parse are dropped, counted and unanswered", async (t) => {
  await using test = await startTestServer();
  await using ann = new UdpClient();
  await using bob = new UdpClient();
  await using cat = new UdpClient();
  await using dee = new UdpClient();
  await using otherPort = new UdpClient();
  await using otherHost = new UdpClient("127.0.0.2");
  const annToken = await enter(test, ann, CreateRoom, "r", "ann");
  const bobToken = await enter(test, bob, JoinRoom, "r", "bob", { kaiwa: true });
  strictEqual((await bob.receiveEvent()).type, "members");
  strictEqual(await ann.receiveText(), "* bob joined");
  const catToken = await enter(test, cat, CreateRoom, "s", "cat", { kaiwa: true });
  strictEqual((await cat.receiveEvent()).type, "members");
  await enter(test, dee, JoinRoom, "s", "dee");
  strictEqual((await cat.receiveEvent()).type, "joined");
  const members = [ann, bob, cat, dee];
  const counters = test.server.state.counters;

  /** Sends `bytes` from `from` and checks it was counted once under `reason`, and nothing else. */
  const expectDropped = async (reason: DropReason, from: UdpClient, bytes: Uint8Array) => {
    const before: DropCounters = { ...counters };
    await from.sendRaw(bytes, test.udp);
    await waitFor(() => counters.total === before.total + 1, `a ${reason} drop`);
    deepStrictEqual(counters, { ...before, [reason]: before[reason] + 1, total: before.total + 1 });
  };

  const cases: [string, DropReason, UdpClient, Uint8Array][] = [
    ["an unknown token", "unknownToken", ann, raw(1, 22, "r", "x".repeat(22), "hi")],
    ["a token of another room", "wrongRoom", ann, raw(1, annToken.length, "s", annToken, "hi")],
    ["a kaiwa ping with another room's token", "wrongRoom", cat, raw(1, 22, "r", catToken, "\x04")],
    ["a valid token from another IP", "wrongAddress", otherHost, raw(1, 22, "r", annToken, "x")],
    [
      "a ping with a valid token from another IP",
      "wrongAddress",
      otherHost,
      raw(1, 22, "r", bobToken, "\x04"),
    ],
    ["a valid token from another port", "wrongAddress", otherPort, raw(1, 22, "r", annToken, "x")],
    ["a who from another port", "wrongAddress", otherPort, raw(1, 22, "r", bobToken, "\x03")],
    ["an empty datagram", "malformed", ann, new Uint8Array(0)],
    ["one byte", "malformed", ann, Uint8Array.of(1)],
    ["an empty room name", "malformed", ann, raw(0, 22, annToken, "hi")],
    ["an empty token", "malformed", ann, raw(1, 0, "r", "hi")],
    ["a room name cut short", "malformed", ann, raw(5, 22, "r")],
    ["a token cut short", "malformed", ann, raw(1, 22, "r", annToken.slice(0, 10))],
    ["a token that is not UTF-8", "unknownToken", ann, raw(1, 2, "r", Uint8Array.of(0xff, 0xfe))],
    ["a room name that is not UTF-8", "wrongRoom", ann, raw(1, 22, Uint8Array.of(0xff), annToken)],
    ["4097 bytes", "oversize", ann, sized("r", annToken, MAX_DATAGRAM_SIZE + 1)],
    ["9000 bytes (beyond the receive buffer)", "oversize", ann, sized("r", annToken, 9000)],
    [
      "chat text that is not UTF-8",
      "invalidText",
      ann,
      raw(1, 22, "r", annToken, Uint8Array.of(0xc3, 0x28)),
    ],
    [
      "a standard member's text with a lone surrogate",
      "invalidText",
      ann,
      raw(1, 22, "r", annToken, Uint8Array.of(0xed, 0xa0, 0x80)),
    ],
  ];
  for (const [what, reason, from, bytes] of cases) {
    await t.step(`${what}: ${reason}`, () => expectDropped(reason, from, bytes));
  }
  await t.step("none of them got an answer, and no member heard of them", async () => {
    const sockets = [...members, otherPort, otherHost];
    const heard = await Promise.all(sockets.map((socket) => socket.receive(SILENCE_MS)));
    deepStrictEqual(heard, sockets.map(() => null));
  });
  await t.step("a datagram of exactly 4096 bytes is not oversized: it is relayed", async () => {
    await ann.sendRaw(sized("r", annToken, MAX_DATAGRAM_SIZE), test.udp);
    const event = await bob.receiveEvent();
    strictEqual(event.type === "chat" && event.text.length, MAX_DATAGRAM_SIZE - 2 - 1 - 22);
  });
  await t.step("the members still talk after all of it", async () => {
    await bob.send(test.udp, "r", bobToken, Uint8Array.of(Command.Chat, 0x6f, 0x6b));
    strictEqual(await ann.receiveText(), "bob: ok");
    strictEqual((await bob.receiveEvent()).type, "chat");
  });
});

/**
 * Delivery in the server state (issue 13, docs/protocol.md §3.2): message ids relayed once, the
 * room's ring buffer, NACK answers and their rate, history on a kaiwa member's first verified
 * address.
 */

import { deepStrictEqual, strictEqual } from "node:assert/strict";
import { Command, encodeCommand, NoticeCode } from "../protocol/mod.ts";
import {
  CHAT_ENTRY_OVERHEAD_BYTES,
  ChatLog,
  HISTORY_MAX_BYTES,
  type Member,
  MESSAGE_ID_MEMORY,
  NACK_BURST,
  NACK_RATE,
  type ServerState,
  type StateConfig,
} from "../server/state/mod.ts";
import { admitted, encoder, PORT, request, send, setup } from "./state_fixture.ts";

const SENDER = encoder.encode("ann");

/** A room "r" of kaiwa members ann (host) and bob, both bound; calls so far taken. */
function room(config: Partial<StateConfig> = {}) {
  const { state, notifier } = setup(config);
  const ann = admitted(state.createRoom(request("r", "ann", true), null, 0));
  const bob = admitted(state.joinRoom(request("r", "bob", true), null, 0));
  send(state, ann, "");
  send(state, bob, "", { port: PORT + 1 });
  state.flushJoins(0);
  notifier.take();
  return { state, notifier, ann, bob };
}

function chatWithId(state: ServerState, member: Member, id: number, text: string, now = 0) {
  const port = member.address?.port ?? PORT;
  send(state, member, encodeCommand({ type: "chat", id, text }), { port, now });
}

function nack(state: ServerState, member: Member, from: number, to: number, now = 0) {
  const port = member.address?.port ?? PORT;
  send(state, member, encodeCommand({ type: "nack", from, to }), { port, now });
}

/** `count` chats from `member`, "m1", "m2", … */
function talk(state: ServerState, member: Member, count: number, from = 1) {
  for (let i = from; i < from + count; i++) {
    send(state, member, Uint8Array.of(Command.Chat, ...encoder.encode(`m${i}`)), {
      port: member.address?.port ?? PORT,
      now: i,
    });
  }
}

Deno.test("ChatLog keeps the last messages by count and by bytes, found by seq", async (t) => {
  const text = (n: number) => new Uint8Array(n);
  await t.step("the count bound evicts the oldest; seqs are found across the wrap", () => {
    const log = new ChatLog(3, 1_000_000);
    for (let seq = 1; seq <= 7; seq++) log.add(seq, seq * 10, SENDER, text(seq));
    strictEqual(log.size, 3);
    strictEqual(log.oldestSeq, 5);
    strictEqual(log.latestSeq, 7);
    strictEqual(log.get(4), undefined);
    strictEqual(log.get(8), undefined);
    deepStrictEqual(log.last(10).map((c) => [c.seq, c.time, c.text.length]), [
      [5, 50, 5],
      [6, 60, 6],
      [7, 70, 7],
    ]);
    deepStrictEqual(log.last(2).map((c) => c.seq), [6, 7]);
  });
  await t.step("the byte bound evicts the oldest until the new one fits", () => {
    const entry = CHAT_ENTRY_OVERHEAD_BYTES + SENDER.length + 100;
    const log = new ChatLog(100, entry * 3);
    for (let seq = 1; seq <= 5; seq++) log.add(seq, 0, SENDER, text(100));
    strictEqual(log.size, 3);
    strictEqual(log.bytes, entry * 3);
    // A bigger one pushes out two.
    log.add(6, 0, SENDER, text(200));
    deepStrictEqual(log.last(10).map((c) => c.seq), [5, 6]);
    strictEqual(log.bytes, entry * 2 + 100);
  });
  await t.step("a message over the byte bound alone empties the log; 0 keeps nothing", () => {
    const log = new ChatLog(10, 200);
    log.add(1, 0, SENDER, text(10));
    log.add(2, 0, SENDER, text(500));
    strictEqual(log.size, 0);
    strictEqual(log.oldestSeq, 3);
    log.add(3, 0, SENDER, text(10));
    deepStrictEqual(log.last(5).map((c) => c.seq), [3]);
    const none = new ChatLog(0, 1_000);
    none.add(1, 0, SENDER, text(1));
    strictEqual(none.size, 0);
    strictEqual(none.get(1), undefined);
  });
  await t.step("the text is copied: the relay's buffer is reused", () => {
    const log = new ChatLog(2, 1_000);
    const buffer = encoder.encode("abc");
    log.add(1, 0, SENDER, buffer);
    buffer[0] = 0x7a;
    deepStrictEqual([...log.get(1)!.text], [...encoder.encode("abc")]);
  });
});

Deno.test("a message id is relayed once; a resend of it is confirmed to its sender only", async (t) => {
  await t.step("same id twice: one relay, then the original event again to the sender", () => {
    const { state, notifier, ann } = room();
    chatWithId(state, ann, 7, "hi", 1);
    chatWithId(state, ann, 7, "hi", 2);
    chatWithId(state, ann, 8, "hi", 3);
    deepStrictEqual(notifier.take(), [
      ["chat", "r", "ann", 1, "hi"],
      ["resend", "ann", 1, "hi"],
      ["chat", "r", "ann", 2, "hi"],
    ]);
    // The original time too, from the ring buffer.
    strictEqual(ann.room.chats.get(1)?.time, 1);
  });
  await t.step("plain Chat (old clients) is relayed every time", () => {
    const { state, notifier, ann } = room();
    send(state, ann, Uint8Array.of(Command.Chat, 0x68));
    send(state, ann, Uint8Array.of(Command.Chat, 0x68));
    deepStrictEqual(notifier.take().map((call) => call[0]), ["chat", "chat"]);
  });
  await t.step("ids are per member", () => {
    const { state, notifier, ann, bob } = room();
    chatWithId(state, ann, 7, "a");
    chatWithId(state, bob, 7, "b");
    deepStrictEqual(notifier.take(), [["chat", "r", "ann", 1, "a"], ["chat", "r", "bob", 2, "b"]]);
  });
  await t.step(`the last ${MESSAGE_ID_MEMORY} ids are remembered, older ones forgotten`, () => {
    const { state, notifier, ann } = room();
    for (let id = 1; id <= MESSAGE_ID_MEMORY + 1; id++) chatWithId(state, ann, id, `m${id}`);
    strictEqual(ann.messageIds?.size, MESSAGE_ID_MEMORY);
    notifier.take();
    chatWithId(state, ann, 2, "m2");
    chatWithId(state, ann, 1, "m1");
    deepStrictEqual(notifier.take(), [
      ["resend", "ann", 2, "m2"],
      ["chat", "r", "ann", MESSAGE_ID_MEMORY + 2, "m1"],
    ]);
  });
  await t.step("a message dropped by the flood limit is not remembered: its resend relays", () => {
    const { state, notifier, ann } = room({ floodRate: 1, floodBurst: 1 });
    chatWithId(state, ann, 1, "a", 0);
    chatWithId(state, ann, 2, "b", 0);
    chatWithId(state, ann, 1, "a", 0);
    chatWithId(state, ann, 2, "b", 1_000);
    deepStrictEqual(notifier.take(), [
      ["chat", "r", "ann", 1, "a"],
      ["notice", "ann", NoticeCode.RateLimited],
      // A confirmation takes nothing from the flood limit.
      ["resend", "ann", 1, "a"],
      ["chat", "r", "ann", 2, "b"],
    ]);
  });
  await t.step("once out of the ring buffer, the confirmation is made from the resend", () => {
    const { state, notifier, ann } = room({ roomBuffer: 1 });
    chatWithId(state, ann, 1, "first", 5);
    chatWithId(state, ann, 2, "second", 6);
    strictEqual(ann.room.chats.get(1), undefined);
    notifier.take();
    chatWithId(state, ann, 1, "first", 9);
    deepStrictEqual(notifier.take(), [["resend", "ann", 1, "first"]]);
  });
});

Deno.test("the ring buffer holds the room's last messages within --room-buffer and its bytes", () => {
  const { state, ann } = room({ roomBuffer: 4 });
  talk(state, ann, 10);
  deepStrictEqual(ann.room.chats.last(10).map((c) => c.seq), [7, 8, 9, 10]);
  const bytes = room({ roomBuffer: 100, roomBufferBytes: 3 * (CHAT_ENTRY_OVERHEAD_BYTES + 3 + 3) });
  talk(bytes.state, bytes.ann, 9);
  deepStrictEqual(bytes.ann.room.chats.last(100).map((c) => c.seq), [7, 8, 9]);
});

Deno.test("a NACK is answered from the ring buffer, to the asker only", async (t) => {
  await t.step("held seqs are resent with their original seq and text, in order", () => {
    const { state, notifier, ann, bob } = room();
    talk(state, ann, 5);
    notifier.take();
    nack(state, bob, 2, 4);
    deepStrictEqual(notifier.take(), [
      ["resend", "bob", 2, "m2"],
      ["resend", "bob", 3, "m3"],
      ["resend", "bob", 4, "m4"],
    ]);
  });
  await t.step("what fell out of the buffer is one Gap, before what is held", () => {
    const { state, notifier, ann, bob } = room({ roomBuffer: 4 });
    talk(state, ann, 10);
    notifier.take();
    nack(state, bob, 1, 10);
    deepStrictEqual(notifier.take(), [
      ["gap", "bob", 1, 6],
      ["resend", "bob", 7, "m7"],
      ["resend", "bob", 8, "m8"],
      ["resend", "bob", 9, "m9"],
      ["resend", "bob", 10, "m10"],
    ]);
  });
  await t.step("seqs beyond the room's latest get nothing (they are still to come)", () => {
    const { state, notifier, ann, bob } = room();
    talk(state, ann, 3);
    notifier.take();
    nack(state, bob, 3, 20);
    deepStrictEqual(notifier.take(), [["resend", "bob", 3, "m3"]]);
    nack(state, bob, 10, 20);
    deepStrictEqual(notifier.take(), []);
  });
  await t.step("seqs from before the member's arrival are a Gap (with no history)", () => {
    const { state, notifier, ann } = room({ history: 0 });
    talk(state, ann, 5);
    const cid = admitted(state.joinRoom(request("r", "cid", true), null, 0));
    send(state, cid, "", { port: PORT + 2 });
    talk(state, ann, 1, 6);
    notifier.take();
    nack(state, cid, 1, 6);
    deepStrictEqual(notifier.take(), [["gap", "cid", 1, 5], ["resend", "cid", 6, "m6"]]);
  });
  await t.step("a range over 64 seqs is refused as a malformed command, unanswered", () => {
    const { state, notifier, ann, bob } = room();
    talk(state, ann, 3);
    notifier.take();
    const body = new Uint8Array(9);
    body[0] = Command.Nack;
    new DataView(body.buffer).setUint32(1, 1);
    new DataView(body.buffer).setUint32(5, 65);
    send(state, bob, body, { port: PORT + 1 });
    deepStrictEqual(notifier.take(), [["notice", "bob", NoticeCode.UnknownCommand]]);
  });
  await t.step("an answer is at most 64 events", () => {
    const { state, notifier, ann, bob } = room();
    talk(state, ann, 100);
    notifier.take();
    nack(state, bob, 1, 64);
    const calls = notifier.take();
    strictEqual(calls.length, 64);
    deepStrictEqual(calls.at(-1), ["resend", "bob", 64, "m64"]);
  });
  await t.step(
    `at most ${NACK_RATE} NACKs a second, bursts of ${NACK_BURST}; more are counted`,
    () => {
      const { state, notifier, ann, bob } = room();
      talk(state, ann, 1);
      notifier.take();
      for (let i = 0; i < NACK_BURST + 2; i++) nack(state, bob, 1, 1, 100);
      strictEqual(notifier.take().length, NACK_BURST);
      strictEqual(state.counters.flood, 2);
      nack(state, bob, 1, 1, 100 + 1_000 / NACK_RATE);
      strictEqual(notifier.take().length, 1);
      // Its own bucket: ann's NACKs are not limited by bob's.
      nack(state, ann, 1, 1, 100);
      strictEqual(notifier.take().length, 1);
    },
  );
});

Deno.test("history: a kaiwa member's first verified address gets the room's last messages", async (t) => {
  await t.step("the last --history, oldest first, after the member list, once", () => {
    const { state, notifier, ann } = room({ history: 3 });
    talk(state, ann, 5);
    const cid = admitted(state.joinRoom(request("r", "cid", true), null, 0));
    notifier.take();
    send(state, cid, "", { port: PORT + 2 });
    deepStrictEqual(notifier.take(), [
      ["members", "cid"],
      ["history", "cid", 3, "m3"],
      ["history", "cid", 4, "m4"],
      ["history", "cid", 5, "m5"],
    ]);
    // Neither a later datagram nor a re-bind sends it again.
    send(state, cid, "", { port: PORT + 2 });
    send(state, cid, "", { port: PORT + 3, now: 60_000 });
    deepStrictEqual(notifier.take(), [["members", "cid"]]);
    // It may ask again for what it was shown.
    nack(state, cid, 2, 3, 60_000);
    deepStrictEqual(notifier.take(), [["gap", "cid", 2, 2], ["resend", "cid", 3, "m3"]]);
  });
  await t.step("a resume sends it again, for what was said while the member was away", () => {
    const { state, notifier, ann } = room({ history: 2 });
    const cid = admitted(state.joinRoom(request("r", "cid", true), null, 0));
    send(state, cid, "", { port: PORT + 2 });
    talk(state, ann, 3);
    notifier.take();
    const back = state.joinRoom({ ...request("r", "cid", true), resume: cid.token }, null, 1_000);
    strictEqual(back.member, cid);
    send(state, cid, "", { port: PORT + 4, now: 1_000 });
    deepStrictEqual(notifier.take().filter((call) => call[0] === "history"), [
      ["history", "cid", 2, "m2"],
      ["history", "cid", 3, "m3"],
    ]);
  });
  await t.step("standard members get none; --history 0 sends none", () => {
    const { state, notifier, ann } = room({ history: 3 });
    talk(state, ann, 5);
    const dan = admitted(state.joinRoom(request("r", "dan", false), null, 0));
    notifier.take();
    send(state, dan, "", { port: PORT + 2 });
    deepStrictEqual(notifier.take().filter((call) => call[0] === "history"), []);
    const off = room({ history: 0 });
    talk(off.state, off.ann, 5);
    const cid = admitted(off.state.joinRoom(request("r", "cid", true), null, 0));
    off.notifier.take();
    send(off.state, cid, "", { port: PORT + 2 });
    deepStrictEqual(off.notifier.take(), [["members", "cid"]]);
  });
  await t.step("fewer than --history held: what is held", () => {
    const { state, notifier, ann } = room({ history: 50 });
    talk(state, ann, 2);
    const cid = admitted(state.joinRoom(request("r", "cid", true), null, 0));
    notifier.take();
    send(state, cid, "", { port: PORT + 2 });
    deepStrictEqual(notifier.take().map((call) => call.slice(0, 3)), [
      ["members", "cid"],
      ["history", "cid", 1],
      ["history", "cid", 2],
    ]);
  });
  await t.step("an announced port (a hint) gets no history; the first datagram does", () => {
    const { state, notifier, ann } = room({ history: 2 });
    talk(state, ann, 3);
    const cid = admitted(state.joinRoom(request("r", "cid", true), null, 0));
    state.announcePort(cid, PORT + 2, 0);
    deepStrictEqual(notifier.take().slice(-1), [["members", "cid"]]);
    send(state, cid, "", { port: PORT + 2 });
    deepStrictEqual(notifier.take(), [["history", "cid", 2, "m2"], ["history", "cid", 3, "m3"]]);
  });
  await t.step(`at most ${HISTORY_MAX_BYTES} bytes of it: the latest`, () => {
    const { state, notifier, ann } = room({ history: 50, roomBufferBytes: 1024 * 1024 });
    const text = "x".repeat(4000);
    for (let i = 0; i < 50; i++) {
      send(state, ann, Uint8Array.of(Command.Chat, ...encoder.encode(text)), { now: i });
    }
    const cid = admitted(state.joinRoom(request("r", "cid", true), null, 0));
    notifier.take();
    send(state, cid, "", { port: PORT + 2 });
    const history = notifier.take().filter((call) => call[0] === "history");
    const each = CHAT_ENTRY_OVERHEAD_BYTES + 3 + 4000;
    const fits = Math.floor(HISTORY_MAX_BYTES / each);
    strictEqual(history.length, fits);
    deepStrictEqual(history.map((call) => call[2]), [...Array(fits)].map((_, i) => 51 - fits + i));
  });
});

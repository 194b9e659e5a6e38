/**
 * kaiwa events (docs/protocol.md §4): every type round-trips at the edges of its fields, long
 * name lists split into events that each fit, and malformed headers are refused.
 */

import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import {
  decodeEvent,
  encodeChatEvent,
  encodeEvent,
  encodeMembersEvents,
  encodeNameListEvents,
  encodeUtf8,
  EVENT_HEADER_SIZE,
  formatTextNotice,
  type KaiwaEvent,
  MAX_EVENT_SIZE,
  MAX_NAME_LIST_BYTES,
  type MemberEntry,
  ProtocolError,
  SizeLimitError,
  TruncatedError,
} from "../protocol/mod.ts";

const MAX_U32 = 2 ** 32 - 1;
const TIMES = [0, 1, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER];
/** A distinct 255-byte name ending in a 3-byte character. */
const NAME_255 = (i: number) => `${i}-`.padEnd(252, "a") + "会";
const NAME_20 = (i: number) => `member-${String(i).padStart(13, "0")}`;

/** One event of every type at the given time, with edge values in its other fields. */
function everyType(time: number): KaiwaEvent[] {
  return [
    { type: "chat", time, seq: 0, sender: "a", text: "" },
    { type: "chat", time, seq: MAX_U32, sender: "ぼぶ", text: "multi\nline 👋" },
    { type: "joined", time, names: [] },
    { type: "joined", time, names: ["ann", "ぼぶ", "😀"] },
    { type: "left", time, reason: 0, names: ["bo"] },
    { type: "left", time, reason: 255, names: [] },
    { type: "room-closed", time, reason: 1 },
    { type: "room-closed", time, reason: 255 },
    { type: "removed", time, reason: 1 },
    { type: "shutdown", time },
    { type: "notice", time, code: 3, text: "" },
    { type: "notice", time, code: 1, text: "slow down: 会話" },
    { type: "members", time, members: [] },
    {
      type: "members",
      time,
      members: [
        { name: "ann", host: true, you: false },
        { name: "bo", host: false, you: true },
        { name: "cy", host: true, you: true },
        { name: "di", host: false, you: false },
      ],
    },
    { type: "pong", time },
    { type: "pong", time, latest: 0 },
    { type: "pong", time, latest: MAX_U32 },
  ];
}

/** Size of the name list carried by an encoded Joined or Left event. */
function nameListSize(bytes: Uint8Array, type: "joined" | "left"): number {
  return bytes.length - EVENT_HEADER_SIZE - (type === "left" ? 1 : 0);
}

Deno.test("events round-trip", { permissions: "none" }, async (t) => {
  for (const time of TIMES) {
    await t.step(`every type at time ${time}`, () => {
      for (const event of everyType(time)) deepStrictEqual(decodeEvent(encodeEvent(event)), event);
    });
  }

  await t.step("encodeChatEvent matches encodeEvent for seq 0 and 2^32-1", () => {
    for (const seq of [0, MAX_U32]) {
      const event = { type: "chat", time: 5, seq, sender: "ann", text: "hi" } as const;
      deepStrictEqual(
        encodeChatEvent(5, seq, encodeUtf8("ann"), encodeUtf8("hi")),
        encodeEvent(event),
      );
    }
  });

  await t.step("the time is written as a big-endian u64", () => {
    const bytes = encodeEvent({ type: "pong", time: Number.MAX_SAFE_INTEGER });
    deepStrictEqual([...bytes.subarray(2, EVENT_HEADER_SIZE)], [
      0,
      0x1f,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
      0xff,
    ]);
  });

  await t.step("a pong carries the latest seq as a trailing big-endian u32", () => {
    const bytes = encodeEvent({ type: "pong", time: 0, latest: 0x01020304 });
    deepStrictEqual([...bytes.subarray(EVENT_HEADER_SIZE)], [1, 2, 3, 4]);
  });

  await t.step("an older server's pong, with an empty body, has no latest seq", () => {
    const bytes = Uint8Array.of(1, 9, 0, 0, 0, 0, 0, 0, 0, 7);
    const event = decodeEvent(bytes);
    deepStrictEqual(event, { type: "pong", time: 7 });
    strictEqual("latest" in event, false);
  });

  await t.step("an event of exactly MAX_EVENT_SIZE bytes round-trips", () => {
    const text = "x".repeat(MAX_EVENT_SIZE - EVENT_HEADER_SIZE - 1);
    const event = { type: "notice", time: 0, code: 1, text } as const;
    const bytes = encodeEvent(event);
    strictEqual(bytes.length, MAX_EVENT_SIZE);
    deepStrictEqual(decodeEvent(bytes), event);
  });
});

Deno.test("event encoders refuse out-of-range fields", { permissions: "none" }, async (t) => {
  await t.step("seq outside u32", () => {
    for (const seq of [-1, MAX_U32 + 1, 1.5]) {
      throws(() => encodeEvent({ type: "chat", time: 0, seq, sender: "a", text: "" }), RangeError);
      throws(() => encodeChatEvent(0, seq, encodeUtf8("a"), new Uint8Array(0)), RangeError);
    }
  });

  await t.step("negative, fractional and unsafe times", () => {
    for (const time of [-1, 0.5, Number.MAX_SAFE_INTEGER + 1, NaN]) {
      throws(() => encodeEvent({ type: "pong", time }), RangeError);
    }
  });

  await t.step("a pong's latest seq outside u32", () => {
    for (const latest of [-1, MAX_U32 + 1, 1.5]) {
      throws(() => encodeEvent({ type: "pong", time: 0, latest }), RangeError);
    }
  });

  await t.step("reason and code outside a byte", () => {
    for (const code of [-1, 256, 1.5]) {
      throws(() => encodeEvent({ type: "left", time: 0, reason: code, names: [] }), RangeError);
      throws(() => encodeEvent({ type: "room-closed", time: 0, reason: code }), RangeError);
      throws(() => encodeEvent({ type: "removed", time: 0, reason: code }), RangeError);
      throws(() => encodeEvent({ type: "notice", time: 0, code, text: "" }), RangeError);
    }
  });

  await t.step("a name list over MAX_NAME_LIST_BYTES in one event", () => {
    // 2-byte count + 23 entries of 1 + 177 bytes = 4096 exactly; one more entry does not fit.
    const names = Array.from({ length: 23 }, () => "n".repeat(177));
    strictEqual(
      nameListSize(encodeEvent({ type: "joined", time: 0, names }), "joined"),
      MAX_NAME_LIST_BYTES,
    );
    throws(() => encodeEvent({ type: "joined", time: 0, names: [...names, "x"] }), RangeError);
  });

  await t.step("a members list that does not fit one event", () => {
    const members = Array.from(
      { length: 40 },
      () => ({ name: "m".repeat(255), host: false, you: false }),
    );
    throws(() => encodeEvent({ type: "members", time: 0, members }), RangeError);
  });

  // Bug: the encoders never check MAX_EVENT_SIZE (§1.1, §4.1), so they emit events that
  // decodeEvent refuses with SizeLimitError.
  await t.step("an event over MAX_EVENT_SIZE is refused rather than emitted", () => {
    const text = "x".repeat(MAX_EVENT_SIZE - EVENT_HEADER_SIZE);
    throws(() => encodeEvent({ type: "notice", time: 0, code: 1, text }), RangeError);
    throws(() => encodeChatEvent(0, 1, encodeUtf8("ann"), encodeUtf8(text)), RangeError);
  });
});

Deno.test("encodeNameListEvents() splits long lists", { permissions: "none" }, async (t) => {
  const cases = [
    { what: "300 names of 20 bytes", names: Array.from({ length: 300 }, (_, i) => NAME_20(i)) },
    {
      what: "300 names of 255 bytes",
      names: Array.from({ length: 300 }, (_, i) => NAME_255(i)),
    },
    {
      what: "2100 names of 1 byte",
      names: Array.from({ length: 2100 }, (_, i) => String.fromCharCode(0x41 + i % 26)),
    },
  ];
  for (const { what, names } of cases) {
    for (const type of ["joined", "left"] as const) {
      await t.step(`${type}: ${what}`, () => {
        const events = encodeNameListEvents(type, 42, names, 3);
        const decoded = events.map(decodeEvent);
        const size = names.reduce((n, name) => n + 1 + encodeUtf8(name).length, 2);
        strictEqual(events.length > 1, size > MAX_NAME_LIST_BYTES, "splits only when needed");
        for (const [i, bytes] of events.entries()) {
          const listSize = nameListSize(bytes, type);
          strictEqual(
            listSize <= MAX_NAME_LIST_BYTES,
            true,
            `event ${i}: list of ${listSize} bytes`,
          );
        }
        for (const event of decoded) {
          strictEqual(event.type, type);
          strictEqual(event.time, 42);
          if (event.type === "left") strictEqual(event.reason, 3);
        }
        const all = decoded.flatMap((event) => "names" in event ? event.names : []);
        deepStrictEqual(all, names);
      });
    }
  }

  await t.step("a list that fits exactly stays one event; one more name makes two", () => {
    const names = Array.from({ length: 23 }, () => "n".repeat(177));
    strictEqual(encodeNameListEvents("joined", 0, names).length, 1);
    const split = encodeNameListEvents("joined", 0, [...names, "x"]).map(decodeEvent);
    deepStrictEqual(split.map((e) => e.type === "joined" ? e.names.length : -1), [23, 1]);
  });

  await t.step("a short list is one event equal to encodeEvent's", () => {
    deepStrictEqual(
      encodeNameListEvents("left", 7, ["ann", "bo"], 2),
      [encodeEvent({ type: "left", time: 7, reason: 2, names: ["ann", "bo"] })],
    );
  });

  await t.step("an empty list gives no events", () => {
    deepStrictEqual(encodeNameListEvents("joined", 0, []), []);
  });

  await t.step("a name over 255 bytes is refused", () => {
    throws(() => encodeNameListEvents("joined", 0, ["a", "b".repeat(256)]), RangeError);
  });
});

Deno.test("decodeEvent() refuses malformed events", { permissions: "none" }, async (t) => {
  const pong = encodeEvent({ type: "pong", time: 0 });

  await t.step("an unknown format version", () => {
    for (const version of [0, 2, 255]) {
      const bytes = Uint8Array.of(version, ...pong.subarray(1));
      throws(
        () => decodeEvent(bytes),
        (e) => e instanceof ProtocolError && !(e instanceof TruncatedError),
      );
    }
  });

  await t.step("an unknown type", () => {
    for (const type of [0, 12, 255]) {
      const bytes = Uint8Array.of(1, type, ...pong.subarray(2));
      throws(
        () => decodeEvent(bytes),
        (e) => e instanceof ProtocolError && !(e instanceof TruncatedError),
      );
    }
  });

  await t.step("a time above Number.MAX_SAFE_INTEGER", () => {
    for (const high of [[0x00, 0x20, 0, 0], [0xff, 0xff, 0xff, 0xff]]) {
      const bytes = Uint8Array.of(1, 9, ...high, 0, 0, 0, 0);
      throws(() => decodeEvent(bytes), ProtocolError);
    }
  });

  await t.step("bytes after a complete fixed-size event", () => {
    const events: KaiwaEvent[] = [
      { type: "joined", time: 0, names: ["a"] },
      { type: "left", time: 0, reason: 1, names: ["a"] },
      { type: "room-closed", time: 0, reason: 1 },
      { type: "removed", time: 0, reason: 1 },
      { type: "shutdown", time: 0 },
      { type: "members", time: 0, members: [{ name: "a", host: true, you: true }] },
      { type: "pong", time: 0, latest: 7 },
    ];
    for (const event of events) {
      const bytes = Uint8Array.of(...encodeEvent(event), 0);
      throws(
        () => decodeEvent(bytes),
        (e) => e instanceof ProtocolError && !(e instanceof TruncatedError),
        event.type,
      );
    }
  });

  await t.step("a pong body of 1 to 3 bytes (a cut latest seq)", () => {
    for (const size of [1, 2, 3]) {
      const bytes = Uint8Array.of(...pong, ...new Uint8Array(size));
      throws(() => decodeEvent(bytes), TruncatedError, `${size} bytes`);
    }
  });

  await t.step("more than MAX_EVENT_SIZE bytes", () => {
    const bytes = new Uint8Array(MAX_EVENT_SIZE + 1);
    bytes.set(encodeEvent({ type: "notice", time: 0, code: 1, text: "" }));
    bytes.fill(0x78, EVENT_HEADER_SIZE + 1);
    throws(() => decodeEvent(bytes), SizeLimitError);
  });
});

Deno.test("formatTextNotice() gives §3.3's lines", { permissions: "none" }, async (t) => {
  const cases: [KaiwaEvent, string | null][] = [
    [{ type: "joined", time: 0, names: ["ann", "bo"] }, "* ann, bo joined"],
    [{ type: "left", time: 0, reason: 1, names: ["bo"] }, "* bo left"],
    [{ type: "left", time: 0, reason: 2, names: ["bo"] }, "* bo timed out"],
    [{ type: "left", time: 0, reason: 3, names: ["bo"] }, "* bo became unreachable"],
    [{ type: "room-closed", time: 0, reason: 1 }, "* the room was closed: the host left"],
    [{ type: "room-closed", time: 0, reason: 2 }, "* the room was closed: the host timed out"],
    [
      { type: "room-closed", time: 0, reason: 3 },
      "* the room was closed: the host became unreachable",
    ],
    [{ type: "removed", time: 0, reason: 1 }, "* you were removed for inactivity"],
    [{ type: "shutdown", time: 0 }, "* the server is shutting down"],
    [{ type: "notice", time: 0, code: 1, text: "slow down" }, "* slow down"],
    [{ type: "chat", time: 0, seq: 1, sender: "a", text: "b" }, null],
    [{ type: "members", time: 0, members: [] }, null],
    [{ type: "pong", time: 0 }, null],
  ];
  for (const [event, text] of cases) {
    await t.step(`${event.type} → ${text}`, () => strictEqual(formatTextNotice(event), text));
  }
  await t.step("unknown reason codes still give a line", () => {
    for (
      const event of [
        { type: "left", time: 0, reason: 99, names: ["bo"] },
        { type: "room-closed", time: 0, reason: 99 },
        { type: "removed", time: 0, reason: 99 },
      ] satisfies KaiwaEvent[]
    ) {
      strictEqual(formatTextNotice(event)?.startsWith("* "), true);
    }
  });
});

Deno.test("encodeMembersEvents splits a large room's list into events that add up to it", {
  permissions: "none",
}, () => {
  const members: MemberEntry[] = Array.from({ length: 2_000 }, (_, i) => ({
    name: `member-${String(i).padStart(4, "0")}-会話`,
    host: i === 0,
    you: i === 1_999,
  }));
  const events = encodeMembersEvents(7, members);
  strictEqual(events.length > 1, true, "2,000 names do not fit one event");
  const decoded = events.map((bytes) => {
    strictEqual(bytes.length <= MAX_EVENT_SIZE, true);
    const event = decodeEvent(bytes);
    if (event.type !== "members") throw new Error(`expected members, got ${event.type}`);
    strictEqual(event.time, 7);
    return event.members;
  });
  deepStrictEqual(decoded.flat(), members);
  deepStrictEqual(encodeMembersEvents(7, []), [], "no members, no events");
});

/**
 * Property round trips with fast-check: random valid values of every message encode and decode
 * back to themselves. Runs use a fixed seed, so a failure reproduces; fast-check prints the
 * seed and the shrunk counterexample.
 */

import fc from "fast-check";
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  type ClientCommand,
  decodeCommand,
  decodeEvent,
  decodeName,
  decodePortAnnouncement,
  decodeRoomList,
  decodeRoomRequest,
  decodeStatus,
  decodeTcrpFrame,
  decodeToken,
  decodeUtf8,
  encodeClientDatagram,
  encodeCommand,
  encodeEvent,
  encodeNameListEvents,
  encodePortAnnouncement,
  encodeRoomListFrame,
  encodeRoomRequest,
  encodeStage1Datagram,
  encodeStatusFrame,
  encodeTokenFrame,
  encodeUtf8,
  type KaiwaEvent,
  MAX_NAME_BYTES,
  MAX_NAME_LIST_BYTES,
  maxMessageSize,
  parseClientDatagram,
  parseStage1Datagram,
  type RoomSummary,
  validateName,
} from "../protocol/mod.ts";

const SEED = 0x6b616977; // "kaiw"
const RUNS = 1000;

/** Text of any code points (no lone surrogates: the wire carries only valid UTF-8). */
const anyText = (maxLength: number) => fc.string({ unit: "binary", maxLength });

/** 1 to 255 bytes of text: what a name field can carry. */
const nameText = fc.string({ unit: "binary", minLength: 1, maxLength: 70 })
  .filter((s) => encodeUtf8(s).length <= MAX_NAME_BYTES);

/** A name that obeys the naming rules, in its canonical form (NFC) already. */
const validName = nameText.filter((s) => {
  try {
    return validateName(s, "name") === s;
  } catch {
    return false;
  }
});

/** fast-check may build records without a prototype; decoders return plain objects. */
const PLAIN = { noNullPrototype: true } as const;

const byte = fc.nat(255);
const u32 = fc.oneof(fc.constantFrom(0, 1, 2 ** 32 - 1), fc.integer({ min: 0, max: 2 ** 32 - 1 }));
const time = fc.oneof(fc.constantFrom(0, Number.MAX_SAFE_INTEGER), fc.maxSafeNat());

const kaiwaEvent: fc.Arbitrary<KaiwaEvent> = fc.oneof(
  fc.record({
    type: fc.constant("chat" as const),
    time,
    seq: u32,
    sender: nameText,
    text: anyText(300),
  }, PLAIN),
  fc.record({
    type: fc.constant("joined" as const),
    time,
    names: fc.array(nameText, { maxLength: 15 }),
  }, PLAIN),
  fc.record({
    type: fc.constant("left" as const),
    time,
    reason: byte,
    names: fc.array(nameText, { maxLength: 15 }),
  }, PLAIN),
  fc.record({ type: fc.constant("room-closed" as const), time, reason: byte }, PLAIN),
  fc.record({ type: fc.constant("removed" as const), time, reason: byte }, PLAIN),
  fc.record({ type: fc.constant("shutdown" as const), time }, PLAIN),
  fc.record({ type: fc.constant("notice" as const), time, code: byte, text: anyText(300) }, PLAIN),
  fc.record({
    type: fc.constant("members" as const),
    time,
    members: fc.array(fc.record({ name: nameText, host: fc.boolean(), you: fc.boolean() }, PLAIN), {
      maxLength: 15,
    }),
  }, PLAIN),
  fc.record({ type: fc.constant("pong" as const), time, latest: u32 }, {
    ...PLAIN,
    requiredKeys: ["type", "time"],
  }),
);

const clientCommand: fc.Arbitrary<ClientCommand> = fc.oneof(
  fc.constant({ type: "keepalive" as const }),
  fc.record({ type: fc.constant("chat" as const), text: anyText(500) }, PLAIN),
  fc.constant({ type: "leave" as const }),
  fc.constant({ type: "who" as const }),
  fc.constant({ type: "ping" as const }),
  fc.constant({ type: "ping" as const, latest: true }),
);

Deno.test("random valid values round-trip", { permissions: "none" }, async (t) => {
  const options = { seed: SEED, numRuns: RUNS };

  await t.step("status and token frames", () => {
    fc.assert(
      fc.property(
        byte,
        fc.uint8Array({ maxLength: MAX_NAME_BYTES }),
        byte,
        nameText,
        (op, room, status, token) => {
          strictEqual(decodeStatus(decodeTcrpFrame(encodeStatusFrame(op, room, status))), status);
          strictEqual(decodeToken(decodeTcrpFrame(encodeTokenFrame(op, room, token))), token);
        },
      ),
      options,
    );
  });

  await t.step("room lists, cut to fit the payload limit", () => {
    const room: fc.Arbitrary<RoomSummary> = fc.record({
      name: nameText,
      members: fc.nat(),
      password: fc.boolean(),
    }, PLAIN);
    fc.assert(
      fc.property(
        fc.array(room, { maxLength: 12 }),
        fc.integer({ min: 40, max: 1500 }),
        (rooms, limit) => {
          const frame = decodeTcrpFrame(encodeRoomListFrame(rooms, limit));
          strictEqual(frame.payload.length <= limit, true, "payload within the limit");
          const list = decodeRoomList(frame);
          deepStrictEqual(list.rooms, rooms.slice(0, list.rooms.length), "a prefix of the rooms");
          strictEqual(list.truncated, list.rooms.length < rooms.length);
          if (list.truncated) {
            // The next room would not have fitted.
            const unlimited = encodeRoomListFrame(rooms.slice(0, list.rooms.length + 1), Infinity);
            strictEqual(
              decodeTcrpFrame(unlimited, Infinity).payload.length > limit,
              true,
              "kept as many as fit",
            );
          }
        },
      ),
      options,
    );
  });

  await t.step("port announcements", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 0xffff }), (port) => {
        strictEqual(decodePortAnnouncement(encodePortAnnouncement(port)), port);
      }),
      options,
    );
  });

  await t.step("room requests", () => {
    const request = fc.record({
      username: validName,
      password: fc.option(fc.string({ unit: "binary", minLength: 1, maxLength: 40 })),
      eventFormat: fc.constantFrom(0, 1),
    }, PLAIN);
    fc.assert(
      fc.property(
        request,
        (value) => deepStrictEqual(decodeRoomRequest(encodeRoomRequest(value)), value),
      ),
      options,
    );
  });

  await t.step("client datagrams", () => {
    const datagram = fc.tuple(
      fc.uint8Array({ minLength: 1, maxLength: MAX_NAME_BYTES }),
      fc.uint8Array({ minLength: 1, maxLength: MAX_NAME_BYTES }),
      fc.nat(),
    ).chain(([room, token, seed]) => {
      const max = maxMessageSize(room.length, token.length);
      return fc.uint8Array({ maxLength: max, size: seed % 2 === 0 ? "small" : "max" }).map((
        message,
      ) => ({
        room,
        token,
        message,
      }));
    });
    fc.assert(
      fc.property(datagram, ({ room, token, message }) => {
        const parsed = parseClientDatagram(encodeClientDatagram(room, token, message));
        deepStrictEqual(parsed, { roomName: room, token, message });
      }),
      options,
    );
  });

  await t.step("kaiwa commands", () => {
    fc.assert(
      fc.property(
        clientCommand,
        (command) => deepStrictEqual(decodeCommand(encodeCommand(command)), command),
      ),
      options,
    );
  });

  await t.step("events of every type", () => {
    fc.assert(
      fc.property(kaiwaEvent, (event) => deepStrictEqual(decodeEvent(encodeEvent(event)), event)),
      options,
    );
  });

  await t.step("name lists split by encodeNameListEvents", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("joined" as const, "left" as const),
        fc.array(nameText, { maxLength: 120 }),
        byte,
        (type, names, reason) => {
          const events = encodeNameListEvents(type, 1, names, reason);
          const decoded = events.map(decodeEvent);
          for (const bytes of events) {
            strictEqual(bytes.length - (type === "left" ? 11 : 10) <= MAX_NAME_LIST_BYTES, true);
          }
          deepStrictEqual(decoded.flatMap((e) => "names" in e ? e.names : []), names);
          for (const event of decoded) {
            strictEqual(event.type === "left" ? event.reason : reason, reason);
          }
        },
      ),
      options,
    );
  });

  await t.step("Stage 1 datagrams", () => {
    fc.assert(
      fc.property(nameText, anyText(1000), (username, message) => {
        const parsed = parseStage1Datagram(encodeStage1Datagram(username, message));
        deepStrictEqual(
          [decodeUtf8(parsed.username, "username"), decodeUtf8(parsed.message, "message")],
          [username, message],
        );
      }),
      options,
    );
  });

  await t.step("names that obey the rules", () => {
    fc.assert(
      fc.property(validName, (name) => strictEqual(decodeName(encodeUtf8(name), "name"), name)),
      options,
    );
  });
});

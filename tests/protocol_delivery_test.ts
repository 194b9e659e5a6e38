import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import {
  Command,
  decodeCommand,
  decodeEvent,
  encodeCommand,
  encodeEvent,
  EventType,
  MAX_NACK_RANGE,
  ProtocolError,
} from "../protocol/mod.ts";

Deno.test({
  name: "ChatWithId and Nack commands: exact bytes, round trips, bounded ranges",
  permissions: "none",
  fn() {
    const chat = encodeCommand({ type: "chat", text: "hi", id: 0x01020304 });
    deepStrictEqual([...chat], [Command.ChatWithId, 1, 2, 3, 4, 0x68, 0x69]);
    deepStrictEqual(decodeCommand(chat), { type: "chat", text: "hi", id: 0x01020304 });
    deepStrictEqual(decodeCommand(encodeCommand({ type: "chat", text: "hi" })), {
      type: "chat",
      text: "hi",
    });
    const nack = encodeCommand({ type: "nack", from: 7, to: 9 });
    deepStrictEqual([...nack], [Command.Nack, 0, 0, 0, 7, 0, 0, 0, 9]);
    deepStrictEqual(decodeCommand(nack), { type: "nack", from: 7, to: 9 });
    throws(() => encodeCommand({ type: "nack", from: 9, to: 7 }), RangeError);
    throws(() => encodeCommand({ type: "nack", from: 1, to: MAX_NACK_RANGE + 1 }), RangeError);
    throws(() => decodeCommand(Uint8Array.of(Command.Nack, 0, 0, 0, 9, 0, 0, 0, 7)), ProtocolError);
    throws(() => decodeCommand(Uint8Array.of(Command.Nack, 0, 0)), ProtocolError);
    throws(() => decodeCommand(Uint8Array.of(Command.ChatWithId, 1, 2)), ProtocolError);
  },
});

Deno.test({
  name: "History and Gap events: a history chat keeps Chat's layout under its own type",
  permissions: "none",
  fn() {
    const plain = encodeEvent({ type: "chat", time: 5, seq: 3, sender: "ann", text: "x" });
    const history = encodeEvent({
      type: "chat",
      time: 5,
      seq: 3,
      sender: "ann",
      text: "x",
      history: true,
    });
    strictEqual(plain[1], EventType.Chat);
    strictEqual(history[1], EventType.History);
    deepStrictEqual(plain.subarray(2), history.subarray(2));
    deepStrictEqual(decodeEvent(history), {
      type: "chat",
      time: 5,
      seq: 3,
      sender: "ann",
      text: "x",
      history: true,
    });
    const gap = encodeEvent({ type: "gap", time: 1, from: 10, to: 12 });
    deepStrictEqual([...gap.subarray(2 + 8)], [0, 0, 0, 10, 0, 0, 0, 12]);
    deepStrictEqual(decodeEvent(gap), { type: "gap", time: 1, from: 10, to: 12 });
  },
});

/**
 * The WebSocket frame codec (RFC 6455 §5): golden bytes, masked frames split at every offset,
 * fragmentation, and every cap and rule refused from the header.
 *
 * @module
 */

import { deepStrictEqual, throws } from "node:assert/strict";
import {
  checkClosePayload,
  CloseCode,
  encodeCloseFrame,
  encodeFrame,
  FrameDecoder,
  MAX_FRAGMENTS,
  Opcode,
  WebSocketError,
} from "../server/web/ws_frame.ts";

const MASK = [0x37, 0xfa, 0x21, 0x3d];

/** A client frame: FIN as given, masked with {@link MASK}. */
function clientFrame(opcode: number, payload: Uint8Array, fin = true): Uint8Array {
  const length = payload.length;
  const header = length < 126
    ? [length | 0x80]
    : length < 65536
    ? [126 | 0x80, length >> 8, length & 0xff]
    : [
      127 | 0x80,
      0,
      0,
      0,
      0,
      (length >>> 24) & 0xff,
      (length >> 16) & 0xff,
      (length >> 8) & 0xff,
      length & 0xff,
    ];
  const masked = payload.map((byte, i) => byte ^ MASK[i % 4]);
  return new Uint8Array([(fin ? 0x80 : 0) | opcode, ...header, ...MASK, ...masked]);
}

const text = (s: string) => new TextEncoder().encode(s);

Deno.test("FrameDecoder reads RFC 6455's masked 'Hello' (§5.7)", { permissions: "none" }, () => {
  const bytes = new Uint8Array([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58]);
  deepStrictEqual(new FrameDecoder(100, 100).push(bytes), [
    { opcode: Opcode.Text, payload: text("Hello") },
  ]);
});

Deno.test(
  "FrameDecoder gives the same messages whatever the split",
  { permissions: "none" },
  () => {
    const stream = new Uint8Array([
      ...clientFrame(Opcode.Text, text("こんにちは 🎉")),
      ...clientFrame(Opcode.Ping, text("p")),
      ...clientFrame(Opcode.Text, new Uint8Array(300).fill(0x61)),
    ]);
    const expected = [
      { opcode: Opcode.Text, payload: text("こんにちは 🎉") },
      { opcode: Opcode.Ping, payload: text("p") },
      { opcode: Opcode.Text, payload: new Uint8Array(300).fill(0x61) },
    ];
    for (let cut = 0; cut <= stream.length; cut++) {
      const decoder = new FrameDecoder(1024, 1024);
      const got = [...decoder.push(stream.subarray(0, cut)), ...decoder.push(stream.subarray(cut))];
      deepStrictEqual(got, expected, `cut at ${cut}`);
    }
    const decoder = new FrameDecoder(1024, 1024);
    const oneByOne = [...stream].flatMap((byte) => decoder.push(new Uint8Array([byte])));
    deepStrictEqual(oneByOne, expected);
  },
);

Deno.test(
  "FrameDecoder joins fragments, with control frames between them",
  { permissions: "none" },
  () => {
    const decoder = new FrameDecoder(16, 32);
    const got = decoder.push(
      new Uint8Array([
        ...clientFrame(Opcode.Text, text("ab"), false),
        ...clientFrame(Opcode.Ping, text("")),
        ...clientFrame(Opcode.Continuation, text("cd"), true),
      ]),
    );
    deepStrictEqual(got, [
      { opcode: Opcode.Ping, payload: text("") },
      { opcode: Opcode.Text, payload: text("abcd") },
    ]);
  },
);

Deno.test(
  "FrameDecoder refuses what breaks a rule or a cap",
  { permissions: "none" },
  async (t) => {
    const refuses = (bytes: Uint8Array, code: number, maxFrame = 16, maxMessage = 32) =>
      throws(
        () => new FrameDecoder(maxFrame, maxMessage).push(bytes),
        (error) => error instanceof WebSocketError && error.code === code,
      );
    await t.step("an unmasked frame", () => {
      refuses(new Uint8Array([0x81, 0x01, 0x61]), CloseCode.ProtocolError);
    });
    await t.step("reserved bits", () => {
      const frame = clientFrame(Opcode.Text, text("a"));
      frame[0] |= 0x40;
      refuses(frame, CloseCode.ProtocolError);
    });
    await t.step("an unknown opcode", () => {
      refuses(clientFrame(0x3, text("a")), CloseCode.ProtocolError);
    });
    await t.step("a frame over the cap, from its header alone", () => {
      // Only the header and mask: the payload never needs to arrive to be refused.
      refuses(clientFrame(Opcode.Text, new Uint8Array(17)).subarray(0, 6), CloseCode.MessageTooBig);
    });
    await t.step("a 64-bit length", () => {
      refuses(
        new Uint8Array([0x81, 0xff, 0, 0, 0, 1, 0, 0, 0, 0]),
        CloseCode.MessageTooBig,
      );
    });
    await t.step("fragments over the message cap", () => {
      refuses(
        new Uint8Array([
          ...clientFrame(Opcode.Text, new Uint8Array(16), false),
          ...clientFrame(Opcode.Continuation, new Uint8Array(16), false),
          ...clientFrame(Opcode.Continuation, new Uint8Array(1), true),
        ]),
        CloseCode.MessageTooBig,
      );
    });
    await t.step("a message in more fragments than MAX_FRAGMENTS, even empty ones", () => {
      const empty = new Uint8Array(0);
      const frames = [clientFrame(Opcode.Text, empty, false)];
      for (let i = 1; i < MAX_FRAGMENTS; i++) {
        frames.push(clientFrame(Opcode.Continuation, empty, false));
      }
      // MAX_FRAGMENTS empty fragments pass; one more is refused before the message ends.
      const decoder = new FrameDecoder(16, 32);
      for (const frame of frames) deepStrictEqual(decoder.push(frame), []);
      throws(
        () => decoder.push(clientFrame(Opcode.Continuation, empty, false)),
        (error) => error instanceof WebSocketError && error.code === CloseCode.MessageTooBig,
      );
    });
    await t.step("a fragmented or long control frame", () => {
      refuses(clientFrame(Opcode.Ping, text("a"), false), CloseCode.ProtocolError);
      refuses(clientFrame(Opcode.Ping, new Uint8Array(126)), CloseCode.ProtocolError, 200);
    });
    await t.step("a continuation without a message, a message inside one", () => {
      refuses(clientFrame(Opcode.Continuation, text("a")), CloseCode.ProtocolError);
      refuses(
        new Uint8Array([
          ...clientFrame(Opcode.Text, text("a"), false),
          ...clientFrame(Opcode.Text, text("b")),
        ]),
        CloseCode.ProtocolError,
      );
    });
  },
);

Deno.test(
  "encodeFrame writes unmasked frames with each length form",
  { permissions: "none" },
  () => {
    deepStrictEqual(encodeFrame(Opcode.Text, text("hi")), new Uint8Array([0x81, 2, 0x68, 0x69]));
    const medium = encodeFrame(Opcode.Text, new Uint8Array(300));
    deepStrictEqual([...medium.subarray(0, 4)], [0x81, 126, 1, 44]);
    deepStrictEqual(medium.length, 304);
    const large = encodeFrame(Opcode.Binary, new Uint8Array(70_000));
    deepStrictEqual([...large.subarray(0, 10)], [0x82, 127, 0, 0, 0, 0, 0, 1, 0x11, 0x70]);
    deepStrictEqual(
      encodeCloseFrame(CloseCode.MessageTooBig, "big"),
      new Uint8Array([0x88, 5, 0x03, 0xf1, 0x62, 0x69, 0x67]),
    );
    throws(() => encodeFrame(Opcode.Ping, new Uint8Array(126)), RangeError);
  },
);

Deno.test(
  "checkClosePayload takes a valid Close and refuses a bad code or reason (§5.5.1, §7.4)",
  { permissions: "none" },
  async (t) => {
    const close = (code: number, reason: Uint8Array = new Uint8Array(0)) =>
      new Uint8Array([code >> 8, code & 0xff, ...reason]);
    const refuses = (payload: Uint8Array, code: number) =>
      throws(
        () => checkClosePayload(payload),
        (error) => error instanceof WebSocketError && error.code === code,
        String([...payload]),
      );
    await t.step("no payload, a defined code, an application's code, with a UTF-8 reason", () => {
      for (const payload of [new Uint8Array(0), close(1000), close(1001), close(1011)]) {
        checkClosePayload(payload);
      }
      checkClosePayload(close(3000, text("さようなら")));
      checkClosePayload(close(4999));
    });
    await t.step("a one-byte payload, a reserved or undefined code: 1002", () => {
      refuses(new Uint8Array([0x03]), CloseCode.ProtocolError);
      for (const code of [0, 999, 1004, 1005, 1006, 1015, 1016, 2999, 5000, 65535]) {
        refuses(close(code), CloseCode.ProtocolError);
      }
    });
    await t.step("a reason that is not UTF-8: 1007", () => {
      refuses(close(1000, new Uint8Array([0xff, 0xfe])), CloseCode.InvalidData);
      refuses(close(1000, new Uint8Array([0xe3, 0x81])), CloseCode.InvalidData);
    });
  },
);

/**
 * TcrpFrameReader against every way TCP may cut a stream: one byte at a time, at every offset,
 * several frames per chunk, a trailing port announcement, and a reused read buffer.
 */

import { deepStrictEqual, strictEqual, throws } from "node:assert/strict";
import {
  DEFAULT_MAX_PAYLOAD_SIZE,
  encodePortAnnouncement,
  encodeStatusFrame,
  encodeTcrpFrame,
  encodeTokenFrame,
  encodeUtf8,
  Operation,
  SizeLimitError,
  State,
  TCRP_HEADER_SIZE,
  type TcrpFrame,
  TcrpFrameReader,
} from "../protocol/mod.ts";
import { loadVectors } from "./protocol_vectors.ts";

const LOBBY = encodeUtf8("lobby");
/** Three frames of different shapes: a status, a token, and one with an empty name and payload. */
const THREE = [
  encodeStatusFrame(Operation.JoinRoom, LOBBY, 0),
  encodeTokenFrame(Operation.JoinRoom, LOBBY, "AAECAwQFBgcICQoLDA0ODw"),
  encodeTcrpFrame({
    operation: Operation.ListRooms,
    state: State.Request,
    roomName: "",
    payload: new Uint8Array(0),
  }),
];

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A frame's bytes as the encoder would write them, to compare frames by content. */
function reencode(frame: TcrpFrame): Uint8Array {
  return encodeTcrpFrame(frame);
}

/** Pushes the chunks in order and returns every frame, re-encoded. */
function readAll(reader: TcrpFrameReader, chunks: readonly Uint8Array[]): Uint8Array[] {
  return chunks.flatMap((chunk) => reader.push(chunk).map(reencode));
}

const bytesOneAtATime = (bytes: Uint8Array) => Array.from(bytes, (b) => Uint8Array.of(b));

Deno.test("TcrpFrameReader reads the §6 frames", { permissions: { read: true } }, async (t) => {
  const vectors = await loadVectors();
  const frames = [...vectors].filter(([id]) => id.startsWith("tcrp-"));

  await t.step("the doc has TCRP vectors", () => strictEqual(frames.length > 0, true));

  for (const [id, bytes] of frames) {
    await t.step(`${id}, one byte at a time`, () => {
      const reader = new TcrpFrameReader();
      const out: Uint8Array[] = [];
      for (const [i, chunk] of bytesOneAtATime(bytes).entries()) {
        const got = reader.push(chunk).map(reencode);
        strictEqual(got.length, i === bytes.length - 1 ? 1 : 0, `after byte ${i}`);
        out.push(...got);
      }
      deepStrictEqual(out, [bytes]);
      strictEqual(reader.buffered, 0);
    });
  }

  await t.step("all of them in sequence, one byte at a time", () => {
    const all = frames.map(([, bytes]) => bytes);
    const reader = new TcrpFrameReader();
    deepStrictEqual(readAll(reader, bytesOneAtATime(concat(all))), all);
    strictEqual(reader.buffered, 0);
  });

  await t.step("all of them in one chunk", () => {
    const all = frames.map(([, bytes]) => bytes);
    const reader = new TcrpFrameReader();
    deepStrictEqual(readAll(reader, [concat(all)]), all);
    strictEqual(reader.buffered, 0);
  });
});

Deno.test("TcrpFrameReader handles any chunking", { permissions: "none" }, async (t) => {
  const stream = concat(THREE);

  await t.step("3 frames split into two chunks at every offset", () => {
    for (let cut = 0; cut <= stream.length; cut++) {
      const reader = new TcrpFrameReader();
      deepStrictEqual(
        readAll(reader, [stream.subarray(0, cut), stream.subarray(cut)]),
        THREE,
        `cut at ${cut}`,
      );
      strictEqual(reader.buffered, 0, `cut at ${cut}`);
    }
  });

  await t.step("3 frames split into three chunks at many offset pairs", () => {
    const step = 7;
    for (let a = 0; a <= stream.length; a += step) {
      for (let b = a; b <= stream.length; b += step) {
        const reader = new TcrpFrameReader();
        const chunks = [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)];
        deepStrictEqual(readAll(reader, chunks), THREE, `cuts at ${a}, ${b}`);
      }
    }
  });

  await t.step("three-chunk splits inside the header, the name and the payload", () => {
    const first = THREE[0].length;
    const pairs = [[1, 31], [31, 32], [32, 33], [first - 1, first + 1], [
      first + 5,
      first + TCRP_HEADER_SIZE + 5,
    ]];
    for (const [a, b] of pairs) {
      const chunks = [stream.subarray(0, a), stream.subarray(a, b), stream.subarray(b)];
      deepStrictEqual(readAll(new TcrpFrameReader(), chunks), THREE, `cuts at ${a}, ${b}`);
    }
  });

  await t.step("frames are returned as soon as they are complete, in order", () => {
    const reader = new TcrpFrameReader();
    const first = THREE[0].length;
    deepStrictEqual(reader.push(stream.subarray(0, first - 1)), []);
    strictEqual(reader.buffered, first - 1);
    deepStrictEqual(reader.push(stream.subarray(first - 1, first + 1)).map(reencode), [THREE[0]]);
    strictEqual(reader.buffered, 1);
    deepStrictEqual(reader.push(stream.subarray(first + 1)).map(reencode), THREE.slice(1));
  });

  await t.step("an empty chunk yields nothing and changes nothing", () => {
    const reader = new TcrpFrameReader();
    deepStrictEqual(reader.push(new Uint8Array(0)), []);
    reader.push(stream.subarray(0, 10));
    deepStrictEqual(reader.push(new Uint8Array(0)), []);
    strictEqual(reader.buffered, 10);
    deepStrictEqual(readAll(reader, [stream.subarray(10)]), THREE);
  });
});

Deno.test("TcrpFrameReader leaves what follows the frames", { permissions: "none" }, async (t) => {
  const token = THREE[1];
  const port = encodePortAnnouncement(50000);

  await t.step("a port announcement in the token's chunk", () => {
    const reader = new TcrpFrameReader();
    deepStrictEqual(readAll(reader, [concat([token, port])]), [token]);
    strictEqual(reader.buffered, 2);
    deepStrictEqual(reader.takeBuffered(), port);
    strictEqual(reader.buffered, 0);
    deepStrictEqual(reader.takeBuffered(), new Uint8Array(0));
  });

  await t.step("a port announcement arriving one byte at a time", () => {
    const reader = new TcrpFrameReader();
    deepStrictEqual(readAll(reader, bytesOneAtATime(concat([token, port]))), [token]);
    strictEqual(reader.buffered, 2);
    deepStrictEqual(reader.takeBuffered(), port);
  });

  await t.step("after takeBuffered, the reader reads a new frame from scratch", () => {
    const reader = new TcrpFrameReader();
    reader.push(concat([token, THREE[0].subarray(0, TCRP_HEADER_SIZE + 2)]));
    deepStrictEqual(reader.takeBuffered(), THREE[0].subarray(0, TCRP_HEADER_SIZE + 2));
    deepStrictEqual(readAll(reader, [THREE[2]]), [THREE[2]]);
  });
});

Deno.test(
  "TcrpFrameReader applies the size guard at the header",
  { permissions: "none" },
  async (t) => {
    const oversized = (size: number) => {
      const header = encodeTcrpFrame({
        operation: 1,
        state: 0,
        roomName: "",
        payload: new Uint8Array(0),
      });
      new DataView(header.buffer).setUint32(TCRP_HEADER_SIZE - 4, size);
      return header;
    };

    await t.step("fires on the 32nd header byte, before any payload", () => {
      const header = oversized(DEFAULT_MAX_PAYLOAD_SIZE + 1);
      const reader = new TcrpFrameReader();
      for (let i = 0; i < TCRP_HEADER_SIZE - 1; i++) {
        deepStrictEqual(reader.push(header.subarray(i, i + 1)), []);
      }
      throws(() => reader.push(header.subarray(TCRP_HEADER_SIZE - 1)), SizeLimitError);
    });

    await t.step("fires when the header arrives split, followed by payload bytes", () => {
      const header = oversized(DEFAULT_MAX_PAYLOAD_SIZE + 1);
      const reader = new TcrpFrameReader();
      deepStrictEqual(reader.push(header.subarray(0, 20)), []);
      throws(() => reader.push(concat([header.subarray(20), new Uint8Array(100)])), SizeLimitError);
    });

    await t.step("fires for the header of a second frame in the same chunk", () => {
      const reader = new TcrpFrameReader();
      throws(
        () => reader.push(concat([THREE[0], oversized(DEFAULT_MAX_PAYLOAD_SIZE + 1)])),
        SizeLimitError,
      );
    });

    await t.step("a non-zero high byte of the size field", () => {
      const header = oversized(0);
      header[3] = 1;
      throws(() => new TcrpFrameReader(Number.MAX_SAFE_INTEGER).push(header), SizeLimitError);
    });

    await t.step("honours a custom limit exactly", () => {
      const frame = encodeTcrpFrame({
        operation: 1,
        state: 0,
        roomName: "",
        payload: new Uint8Array(10),
      });
      strictEqual(new TcrpFrameReader(10).push(frame).length, 1);
      throws(
        () => new TcrpFrameReader(9).push(frame.subarray(0, TCRP_HEADER_SIZE)),
        SizeLimitError,
      );
    });

    await t.step("accepts a payload of exactly the default limit", () => {
      const payload = new Uint8Array(DEFAULT_MAX_PAYLOAD_SIZE).fill(7);
      const frame = encodeTcrpFrame({ operation: 1, state: 0, roomName: "r", payload });
      const reader = new TcrpFrameReader();
      const frames = [
        ...reader.push(frame.subarray(0, 1000)),
        ...reader.push(frame.subarray(1000)),
      ];
      strictEqual(frames.length, 1);
      deepStrictEqual(frames[0].payload, payload);
    });
  },
);

Deno.test("TcrpFrameReader's frames own their bytes", { permissions: "none" }, async (t) => {
  await t.step("mutating the pushed chunk leaves returned and pending frames intact", () => {
    const stream = concat(THREE);
    const buffer = new Uint8Array(stream.length);
    const reader = new TcrpFrameReader();
    const frames: TcrpFrame[] = [];
    // A read loop that reuses one buffer for every read, as a socket reader does.
    const readSize = 13;
    for (let offset = 0; offset < stream.length; offset += readSize) {
      const n = Math.min(readSize, stream.length - offset);
      buffer.set(stream.subarray(offset, offset + n));
      frames.push(...reader.push(buffer.subarray(0, n)));
      buffer.fill(0xee);
    }
    deepStrictEqual(frames.map(reencode), THREE);
  });

  await t.step("a single chunk holding whole frames, then overwritten", () => {
    const chunk = concat(THREE);
    const frames = new TcrpFrameReader().push(chunk);
    chunk.fill(0);
    deepStrictEqual(frames.map(reencode), THREE);
  });
});

/**
 * Fuzzing with fast-check. Whatever the bytes (random, mutated §6 vectors, JSON of any shape,
 * any chunking of a TCP stream), every decoder returns a value or throws a ProtocolError
 * (protocol/errors.ts: decoders throw nothing else). Random TCRP streams also round-trip
 * through TcrpFrameReader cut anywhere. Runs use a fixed seed, so a failure reproduces;
 * fast-check prints the seed and the shrunk counterexample.
 */

import fc from "fast-check";
import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  decodeCommand,
  decodeEvent,
  decodeName,
  decodePortAnnouncement,
  decodeRoomList,
  decodeRoomRequest,
  decodeStatus,
  decodeTcrpFrame,
  decodeTcrpHeader,
  decodeToken,
  decodeUtf8,
  encodeClientDatagram,
  encodePortAnnouncement,
  encodeTcrpFrame,
  encodeUtf8,
  MAX_NAME_BYTES,
  parseClientDatagram,
  parseStage1Datagram,
  ProtocolError,
  State,
  type TcrpFrame,
  TcrpFrameReader,
} from "../protocol/mod.ts";
import { loadVectors } from "./protocol_vectors.ts";

const SEED = 0x6b616977; // "kaiw"
const FUZZ_RUNS = 3000;
const ROUND_TRIP_RUNS = 1000;
const MAX_FUZZ_BYTES = 5000;
/** A small limit for the reader and header decoders, so random sizes sometimes fit. */
const SMALL_LIMIT = 300;

/** Runs a decoder: a value or a ProtocolError is fine; anything else is rethrown, named. */
function valueOrProtocolError(name: string, decode: () => unknown): void {
  try {
    decode();
  } catch (error) {
    if (error instanceof ProtocolError) return;
    throw new Error(`${name} threw something other than a ProtocolError: ${error}`, {
      cause: error,
    });
  }
}

/** A TCRP frame carrying `payload`, in each state, for the payload decoders. */
const framesAround = (payload: Uint8Array): TcrpFrame[] =>
  [State.Request, State.Response, State.Complete, 3].map((state) => ({
    operation: 1,
    state,
    roomName: new Uint8Array(0),
    payload,
  }));

/** Every decoder of protocol/, applied to the same bytes. */
const DECODERS: [string, (bytes: Uint8Array) => unknown][] = [
  ["decodeTcrpHeader", (b) => decodeTcrpHeader(b)],
  ["decodeTcrpHeader (small limit)", (b) => decodeTcrpHeader(b, SMALL_LIMIT)],
  ["decodeTcrpFrame", (b) => decodeTcrpFrame(b)],
  ["decodeTcrpFrame (small limit)", (b) => decodeTcrpFrame(b, SMALL_LIMIT)],
  ["decodeRoomRequest", decodeRoomRequest],
  [
    "decodeStatus",
    (b) =>
      framesAround(b).forEach((f) => valueOrProtocolError("decodeStatus", () => decodeStatus(f))),
  ],
  [
    "decodeToken",
    (b) =>
      framesAround(b).forEach((f) => valueOrProtocolError("decodeToken", () => decodeToken(f))),
  ],
  [
    "decodeRoomList",
    (b) =>
      framesAround(b).forEach((f) =>
        valueOrProtocolError("decodeRoomList", () => decodeRoomList(f))
      ),
  ],
  ["decodePortAnnouncement", decodePortAnnouncement],
  ["parseClientDatagram", parseClientDatagram],
  ["decodeCommand", decodeCommand],
  ["decodeEvent", decodeEvent],
  ["parseStage1Datagram", parseStage1Datagram],
  ["decodeName", (b) => decodeName(b, "name")],
  ["decodeUtf8", (b) => decodeUtf8(b, "text")],
];

function runAllDecoders(bytes: Uint8Array): void {
  for (const [name, decode] of DECODERS) valueOrProtocolError(name, () => decode(bytes));
}

/** Pushes `bytes` into a reader in chunks cut at `cuts`; stops at the first ProtocolError. */
function pushInChunks(reader: TcrpFrameReader, bytes: Uint8Array, cuts: number[]): TcrpFrame[] {
  const offsets = [...new Set(cuts.map((cut) => cut % (bytes.length + 1)))].sort((a, b) => a - b);
  const frames: TcrpFrame[] = [];
  let start = 0;
  for (const end of [...offsets, bytes.length]) {
    frames.push(...reader.push(bytes.subarray(start, end)));
    start = end;
  }
  return frames;
}

// --- Arbitraries -------------------------------------------------------------------------------

/** Random bytes: mostly short, sometimes up to 5000. */
const randomBytes = fc.oneof(
  { arbitrary: fc.uint8Array({ maxLength: 64 }), weight: 4 },
  { arbitrary: fc.uint8Array({ maxLength: MAX_FUZZ_BYTES, size: "max" }), weight: 1 },
);

type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "insert"; at: number; byte: number }
  | { kind: "delete"; at: number }
  | { kind: "set"; at: number; byte: number }
  | { kind: "truncate"; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("flip" as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), byte: fc.nat(255) }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant("set" as const),
    at: fc.nat(),
    byte: fc.constantFrom(0, 1, 0x7f, 0x80, 0xff),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function mutate(original: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  const bytes = [...original];
  for (const m of mutations) {
    const at = m.at % (bytes.length + 1);
    switch (m.kind) {
      case "flip":
        if (at < bytes.length) bytes[at] ^= 1 << m.bit;
        break;
      case "set":
        if (at < bytes.length) bytes[at] = m.byte;
        break;
      case "insert":
        bytes.splice(at, 0, m.byte);
        break;
      case "delete":
        bytes.splice(at, 1);
        break;
      case "truncate":
        bytes.length = at;
        break;
    }
  }
  return Uint8Array.from(bytes);
}

const mutatedFrom = (vectors: Uint8Array[]) =>
  fc.tuple(fc.constantFrom(...vectors), fc.array(mutation, { minLength: 1, maxLength: 4 }))
    .map(([bytes, mutations]) => mutate(bytes, mutations));

/** Any TCRP frame the encoder accepts. */
const tcrpFrame = fc.record({
  operation: fc.nat(255),
  state: fc.nat(255),
  roomName: fc.uint8Array({ maxLength: MAX_NAME_BYTES }),
  payload: fc.uint8Array({ maxLength: 600 }),
}, { noNullPrototype: true });

/** JSON payloads shaped like requests and room lists, with fields of every type. */
const jsonish = fc.oneof(
  fc.json(),
  fc.record(
    {
      username: fc.oneof(fc.string({ unit: "binary", maxLength: 20 }), fc.jsonValue()),
      user_name: fc.oneof(fc.string({ unit: "binary", maxLength: 20 }), fc.jsonValue()),
      password: fc.oneof(fc.string({ unit: "binary", maxLength: 20 }), fc.jsonValue()),
      kaiwa: fc.oneof(fc.integer(), fc.double(), fc.jsonValue()),
    },
    { requiredKeys: [] },
  ).map((value) => JSON.stringify(value)),
  fc.record(
    {
      rooms: fc.oneof(
        fc.array(
          fc.record({ name: fc.jsonValue(), members: fc.jsonValue(), password: fc.jsonValue() }, {
            requiredKeys: [],
          }),
        ),
        fc.jsonValue(),
      ),
      truncated: fc.jsonValue(),
    },
    { requiredKeys: [] },
  ).map((value) => JSON.stringify(value)),
).map(encodeUtf8);

// --- Tests -------------------------------------------------------------------------------------

Deno.test(
  "decoders return a value or throw a ProtocolError",
  { permissions: { read: true } },
  async (t) => {
    const vectors = [...(await loadVectors()).values()];

    await t.step("on random bytes", () => {
      fc.assert(fc.property(randomBytes, runAllDecoders), { seed: SEED, numRuns: FUZZ_RUNS });
    });

    await t.step("on mutated §6 vectors", () => {
      fc.assert(fc.property(mutatedFrom(vectors), runAllDecoders), {
        seed: SEED,
        numRuns: FUZZ_RUNS,
      });
    });

    await t.step("on JSON payloads of every shape", () => {
      fc.assert(fc.property(jsonish, runAllDecoders), { seed: SEED, numRuns: FUZZ_RUNS });
    });

    await t.step("TcrpFrameReader.push on random and mutated streams in random chunks", () => {
      const stream = fc.oneof(
        randomBytes,
        mutatedFrom(vectors),
        fc.array(mutatedFrom(vectors)).map((parts) => {
          const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
          parts.reduce((offset, p) => (out.set(p, offset), offset + p.length), 0);
          return out;
        }),
      );
      fc.assert(
        fc.property(
          stream,
          fc.array(fc.nat(), { maxLength: 8 }),
          fc.boolean(),
          (bytes, cuts, small) => {
            const reader = new TcrpFrameReader(small ? SMALL_LIMIT : undefined);
            valueOrProtocolError("TcrpFrameReader.push", () => pushInChunks(reader, bytes, cuts));
            strictEqual(reader.buffered <= bytes.length, true);
          },
        ),
        { seed: SEED, numRuns: FUZZ_RUNS },
      );
    });

    await t.step("a decoded frame or datagram re-encodes to the same bytes", () => {
      fc.assert(
        fc.property(fc.oneof(randomBytes, mutatedFrom(vectors)), (bytes) => {
          const reencoded: [string, () => Uint8Array][] = [
            ["TCRP frame", () => encodeTcrpFrame(decodeTcrpFrame(bytes))],
            ["client datagram", () => {
              const d = parseClientDatagram(bytes);
              return encodeClientDatagram(d.roomName, d.token, d.message);
            }],
            ["Stage 1 datagram", () => {
              const d = parseStage1Datagram(bytes);
              return Uint8Array.of(d.username.length, ...d.username, ...d.message);
            }],
            ["port announcement", () => encodePortAnnouncement(decodePortAnnouncement(bytes))],
          ];
          for (const [what, roundTrip] of reencoded) {
            let out: Uint8Array;
            try {
              out = roundTrip();
            } catch (error) {
              if (error instanceof ProtocolError) continue;
              throw error;
            }
            deepStrictEqual(out, bytes, what);
          }
        }),
        { seed: SEED, numRuns: FUZZ_RUNS },
      );
    });
  },
);

Deno.test("random TCRP frames round-trip", { permissions: "none" }, async (t) => {
  const options = { seed: SEED, numRuns: ROUND_TRIP_RUNS };

  await t.step("TCRP frames", () => {
    fc.assert(
      fc.property(tcrpFrame, (frame) => {
        deepStrictEqual(decodeTcrpFrame(encodeTcrpFrame(frame)), frame);
      }),
      options,
    );
  });

  await t.step("TCRP streams through TcrpFrameReader, cut anywhere", () => {
    fc.assert(
      fc.property(
        fc.array(tcrpFrame, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        (frames, cuts) => {
          const encoded = frames.map(encodeTcrpFrame);
          const stream = Uint8Array.of(...encoded.flatMap((bytes) => [...bytes]));
          const reader = new TcrpFrameReader();
          deepStrictEqual(pushInChunks(reader, stream, cuts), frames);
          strictEqual(reader.buffered, 0);
        },
      ),
      options,
    );
  });
});

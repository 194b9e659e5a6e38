/**
 * Fuzz against a running server: 100,000 random and mutated datagrams and a few thousand random
 * and mutated TCRP frames, while a legitimate room keeps chatting. The room must lose nothing,
 * the garbage must be counted and never answered, and a normal join must work afterwards.
 *
 * The run is seeded: the seed is printed, and `KAIWA_FUZZ_SEED=<seed>` replays it.
 */

import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import {
  Command,
  decodeEvent,
  encodeClientDatagram,
  encodeRequestFrame,
  encodeTcrpFrame,
  MAX_DATAGRAM_SIZE,
  Operation,
  State,
  TCRP_HEADER_SIZE,
} from "../protocol/mod.ts";
import {
  enter,
  RECEIVE_TIMEOUT_MS,
  roomRequest,
  SILENCE_MS,
  startTestServer,
  UdpClient,
  waitFor,
} from "./server_helpers.ts";
import { mulberry32 } from "./prng.ts";

const { CreateRoom, JoinRoom, ListRooms } = Operation;
const DATAGRAMS = 100_000;
/** Datagrams sent before waiting for the server to count them: keeps its socket buffer from overflowing. */
const WINDOW = 100;
const CONNECTIONS = 1_000;
const PARALLEL_CONNECTIONS = 16;
const MAX_FRAMES_PER_CONNECTION = 4;
const MESSAGES_PER_MEMBER = 50;
const ROOM = "legit-room";
const NAMES = ["a0", "a1", "a2", "a3"];
const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** A chat line of the legitimate room as a standard member gets it. */
const CHAT_LINE = /^a\d: a\d#\d+$/;

/** Waits for `condition` without the helpers' polling delay: it runs a thousand times. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + RECEIVE_TIMEOUT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
}

class Garbage {
  readonly #random: () => number;
  constructor(seed: number) {
    this.#random = mulberry32(seed);
  }
  int(below: number): number {
    return Math.floor(this.#random() * below);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = this.int(256);
    return out;
  }
  /** Flips, truncates, extends or splices `base`. */
  mutate(base: Uint8Array): Uint8Array {
    const out = base.slice();
    switch (this.int(4)) {
      case 0:
        for (let n = 1 + this.int(3); n > 0 && out.length > 0; n--) {
          out[this.int(out.length)] = this.int(256);
        }
        return out;
      case 1:
        return out.subarray(0, this.int(out.length + 1));
      case 2:
        return Uint8Array.of(...out, ...this.bytes(1 + this.int(32)));
      default: {
        const at = this.int(out.length + 1);
        return Uint8Array.of(
          ...out.subarray(0, at),
          ...this.bytes(this.int(8)),
          ...out.subarray(at),
        );
      }
    }
  }
}

Deno.test("fuzz: garbage on both ports while a room chats; the room loses nothing", async () => {
  const seed = Number(Deno.env.get("KAIWA_FUZZ_SEED") ?? Math.floor(Math.random() * 2 ** 32));
  console.log(`fuzz seed ${seed} (KAIWA_FUZZ_SEED=${seed} replays this run)`);
  const rng = new Garbage(seed);
  await using test = await startTestServer({ requestTimeoutSeconds: 1 });
  const { state } = test.server;
  const members = NAMES.map(() => new UdpClient());
  // Other hosts: tokens bound to 127.0.0.1 never authenticate from them, and the server never
  // sends there, so any datagram they get would be an answer to garbage.
  const attackers = ["127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"].map((host) =>
    new UdpClient(host)
  );
  let collecting = true;
  const collectors: Promise<void>[] = [];
  try {
    const tokens: string[] = [];
    for (const [i, name] of NAMES.entries()) {
      // Even members speak kaiwa, odd ones the standard text protocol.
      tokens.push(
        await enter(test, members[i], i === 0 ? CreateRoom : JoinRoom, ROOM, name, {
          kaiwa: i % 2 === 0,
        }),
      );
    }
    /** Chat lines "sender: text" each member received. */
    const received: string[][] = NAMES.map(() => []);
    for (const [i, member] of members.entries()) {
      collectors.push((async () => {
        while (collecting) {
          // The server's datagrams only: another test run may still send to a reused port.
          const bytes = await member.receiveFrom(test.udp, SILENCE_MS);
          if (bytes === null) continue;
          if (i % 2 === 1) {
            // A fuzzed request may announce any port, this one included: only chat counts.
            const line = decoder.decode(bytes);
            if (CHAT_LINE.test(line)) received[i].push(line);
          } else {
            const event = decodeEvent(bytes);
            if (event.type === "chat") received[i].push(`${event.sender}: ${event.text}`);
          }
        }
      })());
    }
    const say = (i: number, text: string) =>
      members[i].send(
        test.udp,
        ROOM,
        tokens[i],
        i % 2 === 0 ? Uint8Array.of(Command.Chat, ...encoder.encode(text)) : text,
      );
    const legit = NAMES.map((name, i) =>
      encodeClientDatagram(encoder.encode(ROOM), encoder.encode(tokens[i]), encoder.encode(name))
    );
    const datagram = (): Uint8Array => {
      switch (rng.int(6)) {
        case 0:
          return rng.bytes(rng.int(64));
        case 1:
          return rng.bytes(
            rng.int(20) === 0 ? MAX_DATAGRAM_SIZE + 1 + rng.int(2000) : rng.int(600),
          );
        case 2:
          return encodeClientDatagram(
            rng.bytes(1 + rng.int(20)),
            rng.bytes(1 + rng.int(30)),
            rng.bytes(rng.int(40)),
          );
        default:
          // Mutated legitimate datagrams, from addresses that are not their members'.
          return rng.mutate(rng.pick(legit));
      }
    };

    const tcp = fuzzTcp(rng, test.tcpPort);
    let sent = 0;
    let spoken = 0;
    const base = state.counters.total;
    while (sent < DATAGRAMS) {
      for (let n = 0; n < WINDOW && sent < DATAGRAMS; n++, sent++) {
        await rng.pick(attackers).sendRaw(datagram(), test.udp);
      }
      if (spoken < MESSAGES_PER_MEMBER * NAMES.length && sent % (WINDOW * 5) === 0) {
        const i = spoken % NAMES.length;
        await say(i, `${NAMES[i]}#${Math.floor(spoken / NAMES.length)}`);
        spoken++;
      }
      const target = base + sent;
      await until(() => state.counters.total >= target, `${target} drops counted`);
    }
    const frames = await tcp;
    while (spoken < MESSAGES_PER_MEMBER * NAMES.length) {
      const i = spoken % NAMES.length;
      await say(i, `${NAMES[i]}#${Math.floor(spoken / NAMES.length)}`);
      spoken++;
    }

    // Every numbered message reached every other member, in order, and nothing else came.
    for (const [i] of NAMES.entries()) {
      const expected: string[] = [];
      for (let k = 0; k < spoken; k++) {
        const from = k % NAMES.length;
        // A kaiwa member also gets its own messages back, as confirmations.
        if (from !== i || i % 2 === 0) {
          expected.push(`${NAMES[from]}: ${NAMES[from]}#${Math.floor(k / NAMES.length)}`);
        }
      }
      await waitFor(() => received[i].length >= expected.length, `${NAMES[i]}'s messages`);
      deepStrictEqual(received[i], expected);
    }
    console.log(
      `fuzz: ${sent} datagrams, ${frames} TCRP frames; drops ${JSON.stringify(state.counters)}`,
    );
    strictEqual(state.counters.total - base, DATAGRAMS);
    const { malformed, oversize, unknownToken, wrongRoom, wrongAddress } = state.counters;
    ok([malformed, oversize, unknownToken, wrongRoom, wrongAddress].every((count) => count > 0));
    ok(frames >= CONNECTIONS);
    strictEqual(test.server.faults.count, 0);
    const heard = await Promise.all(
      attackers.map((socket) => socket.receiveFrom(test.udp, SILENCE_MS)),
    );
    deepStrictEqual(heard, attackers.map(() => null));

    // A newcomer joins normally and hears the room.
    collecting = false;
    await Promise.all(collectors);
    await using late = new UdpClient();
    await enter(test, late, JoinRoom, ROOM, "late");
    await say(1, "welcome");
    strictEqual(await late.receiveText(), "a1: welcome");
    strictEqual(state.rooms.get(ROOM)?.members.size, NAMES.length + 1);
  } finally {
    collecting = false;
    await Promise.all(collectors);
    await Promise.all([...members, ...attackers].map((socket) => socket[Symbol.asyncDispose]()));
  }
});

/** Opens `CONNECTIONS` connections, each carrying a few random or mutated frames; returns how many frames. */
async function fuzzTcp(rng: Garbage, port: number): Promise<number> {
  const valid = [
    encodeRequestFrame(CreateRoom, "fuzz-room", roomRequest("fz")),
    encodeRequestFrame(JoinRoom, "fuzz-room", roomRequest("fy", { password: "pw", kaiwa: true })),
    encodeRequestFrame(ListRooms, "", null),
    encodeTcrpFrame({
      operation: JoinRoom,
      state: State.Request,
      roomName: "fuzz-room",
      payload: encoder.encode('{"user_name":"fx","password":null}'),
    }),
  ];
  const frame = (): Uint8Array => {
    switch (rng.int(4)) {
      case 0:
        return rng.bytes(rng.int(80));
      case 1: {
        const header = rng.bytes(TCRP_HEADER_SIZE);
        // Mostly small declared sizes, so the rest of the frame is plausible.
        header.fill(0, 3, TCRP_HEADER_SIZE - 2 * rng.int(2));
        return Uint8Array.of(...header, ...rng.bytes(rng.int(64)));
      }
      default:
        return rng.mutate(rng.pick(valid));
    }
  };
  let frames = 0;
  let next = 0;
  const worker = async () => {
    while (next < CONNECTIONS) {
      next++;
      const parts: Uint8Array[] = [];
      for (let n = 1 + rng.int(MAX_FRAMES_PER_CONNECTION); n > 0; n--) parts.push(frame());
      frames += parts.length;
      using conn = await Deno.connect({ hostname: "127.0.0.1", port });
      try {
        for (const part of parts) await conn.write(part);
        await conn.closeWrite();
        const sink = new Uint8Array(1024);
        while (await conn.read(sink) !== null) { /* the server closes after its answer */ }
      } catch {
        // The server may close or reset first: it owes garbage nothing.
      }
    }
  };
  await Promise.all(Array.from({ length: PARALLEL_CONNECTIONS }, worker));
  return frames;
}

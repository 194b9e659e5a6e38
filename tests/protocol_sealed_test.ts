/**
 * Sessions' wire format (docs/protocol.md §7): the §8 vectors (fixed keys → exact bytes), then
 * tampering, truncation, replay, reordering within the window and counters below it.
 */

import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import {
  decodeRoomRequest,
  decodeSessionFrame,
  decodeTcrpFrame,
  encodeCommand,
  encodeRequestFrame,
  encodeSessionFrame,
  encodeUtf8,
  MAX_SEALED_COUNTER,
  ProtocolError,
  readSealedHeader,
  REPLAY_WINDOW_SIZE,
  ReplayWindow,
  SEALED_OVERHEAD,
  type SessionGrant,
} from "../protocol/mod.ts";
import { deriveSessionKeys, openSealed, sealDatagram, SealedChannel } from "../protocol/sealing.ts";
import { loadVectors } from "./protocol_vectors.ts";

const GRANT: SessionGrant = {
  id: 0x01020304,
  secret: Uint8Array.from({ length: 32 }, (_, i) => i),
};
const KEYS = deriveSessionKeys(GRANT);
const LOBBY = encodeUtf8("lobby");
/** The §6 `event-pong` event: time 1767225600000, latest seq 42. */
const PONG = Uint8Array.of(0x01, 0x09, 0x00, 0x00, 0x01, 0x9b, 0x76, 0xda, 0xa8, 0x00, 0, 0, 0, 42);
const vectors = await loadVectors("## 8. Session test vectors");

function vector(id: string): Uint8Array {
  const bytes = vectors.get(id);
  if (bytes === undefined) throw new Error(`no vector ${id}`);
  return bytes;
}

/** A fresh server end and client end of the vector session. */
function pair(): { client: SealedChannel; server: SealedChannel } {
  return { client: SealedChannel.forClient(GRANT), server: SealedChannel.forServer(GRANT) };
}

Deno.test("sealed vectors: keys, TCRP frames and datagrams are the documented bytes", () => {
  deepStrictEqual(KEYS.clientToServer, vector("session-key-c2s"));
  deepStrictEqual(KEYS.serverToClient, vector("session-key-s2c"));
  const request = { username: "ann", password: null, eventFormat: 1, session: true };
  deepStrictEqual(encodeRequestFrame(1, "lobby", request), vector("tcrp-session-request"));
  deepStrictEqual(
    decodeRoomRequest(decodeTcrpFrame(vector("tcrp-session-request")).payload),
    request,
  );
  deepStrictEqual(encodeSessionFrame(1, LOBBY, GRANT), vector("tcrp-session-grant"));
  deepStrictEqual(decodeSessionFrame(decodeTcrpFrame(vector("tcrp-session-grant"))), GRANT);
  deepStrictEqual(encodeSessionFrame(1, LOBBY, null), vector("tcrp-session-refused"));
  strictEqual(decodeSessionFrame(decodeTcrpFrame(vector("tcrp-session-refused"))), null);
  const c2s = KEYS.clientToServer;
  const chat = encodeCommand({ type: "chat", text: "hi" });
  deepStrictEqual(sealDatagram(c2s, GRANT.id, 0, chat), vector("sealed-c2s-chat"));
  deepStrictEqual(sealDatagram(c2s, GRANT.id, 1, new Uint8Array()), vector("sealed-c2s-keepalive"));
  const ping = encodeCommand({ type: "ping" });
  deepStrictEqual(sealDatagram(c2s, GRANT.id, 2 ** 32 + 5, ping), vector("sealed-c2s-ping-high"));
  deepStrictEqual(sealDatagram(KEYS.serverToClient, GRANT.id, 0, PONG), vector("sealed-s2c-pong"));
  deepStrictEqual(openSealed(c2s, vector("sealed-c2s-chat")), chat);
  deepStrictEqual(readSealedHeader(vector("sealed-c2s-ping-high")), {
    sessionId: GRANT.id,
    counter: 2 ** 32 + 5,
  });
});

Deno.test("sealed channel: the client's datagrams open at the server and back, counters from 0", () => {
  const { client, server } = pair();
  const first = client.seal(encodeCommand({ type: "chat", text: "hi" }));
  deepStrictEqual(first, vector("sealed-c2s-chat"));
  deepStrictEqual(server.open(first), encodeCommand({ type: "chat", text: "hi" }));
  const pong = server.seal(PONG);
  deepStrictEqual(pong, vector("sealed-s2c-pong"));
  deepStrictEqual(client.open(pong), PONG);
  // A datagram of one direction is not one of the other: the keys differ.
  strictEqual(SealedChannel.forClient(GRANT).open(first), "forged");
});

Deno.test("sealed tamper: every single byte flipped is rejected", () => {
  const sealed = vector("sealed-c2s-chat");
  for (let i = 0; i < sealed.length; i++) {
    for (const bit of [0x01, 0x80]) {
      const tampered = sealed.slice();
      tampered[i] ^= bit;
      const verdict = pair().server.open(tampered);
      ok(typeof verdict === "string", `byte ${i} bit ${bit} accepted`);
      // The marker and id fail before any AEAD; the counter and body fail the tag.
      const expected = i === 0 ? "malformed" : i < 5 ? "unknown-session" : "forged";
      // A flipped bit among the counter's top 11 puts it past 2^53: malformed.
      const pastMax = i === 5 || (i === 6 && bit === 0x80);
      strictEqual(verdict, pastMax ? "malformed" : expected, `byte ${i} bit ${bit}`);
    }
  }
});

Deno.test("sealed truncation: every shorter prefix and a longer datagram are rejected", () => {
  const sealed = vector("sealed-s2c-pong");
  for (let length = 0; length < sealed.length; length++) {
    const verdict = pair().client.open(sealed.subarray(0, length));
    strictEqual(verdict, length < SEALED_OVERHEAD ? "malformed" : "forged", `length ${length}`);
  }
  const longer = new Uint8Array(sealed.length + 1);
  longer.set(sealed);
  strictEqual(pair().client.open(longer), "forged");
  throws(() => readSealedHeader(sealed.subarray(0, SEALED_OVERHEAD - 1)), ProtocolError);
});

Deno.test("sealed replay: a datagram is accepted once, its replay dropped", () => {
  const { client, server } = pair();
  const datagram = client.seal(encodeCommand({ type: "ping" }));
  ok(server.open(datagram) instanceof Uint8Array);
  strictEqual(server.open(datagram), "replay");
  strictEqual(server.open(datagram.slice()), "replay");
});

Deno.test("sealed reorder: late datagrams within the window are accepted once each", () => {
  const { client, server } = pair();
  const sent = Array.from({ length: 100 }, () => client.seal(encodeCommand({ type: "ping" })));
  // Newest first, then the rest in a shuffled order: all are accepted, none twice.
  const order = [99, ...Array.from({ length: 99 }, (_, i) => (i * 37) % 99)];
  for (const i of order) ok(server.open(sent[i]) instanceof Uint8Array, `datagram ${i}`);
  for (const i of order) strictEqual(server.open(sent[i]), "replay", `datagram ${i}`);
});

Deno.test("sealed too old: a counter more than the window below the highest is dropped", () => {
  const window = new ReplayWindow();
  window.accept(5000);
  strictEqual(window.check(5000 - REPLAY_WINDOW_SIZE), "too-old");
  strictEqual(window.check(5000 - REPLAY_WINDOW_SIZE + 1), "ok");
  strictEqual(window.check(5000), "replay");
  strictEqual(window.check(5001), "ok");
  // Through the channel: the first datagram after 2,100 newer ones is out of the window.
  const { client, server } = pair();
  const first = client.seal(new Uint8Array());
  let last = first;
  for (let i = 0; i < 2100; i++) last = client.seal(new Uint8Array());
  ok(server.open(last) instanceof Uint8Array);
  strictEqual(server.open(first), "too-old");
});

Deno.test("replay window: matches a set of seen counters over a long random walk", () => {
  const window = new ReplayWindow();
  const seen = new Set<number>();
  let seed = 7;
  const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  let highest = -1;
  for (let i = 0; i < 20_000; i++) {
    const counter = Math.max(0, Math.floor(highest + 40 - random() * 2500));
    const expected = counter > highest
      ? "ok"
      : counter + REPLAY_WINDOW_SIZE <= highest
      ? "too-old"
      : seen.has(counter)
      ? "replay"
      : "ok";
    strictEqual(window.check(counter), expected, `counter ${counter} after ${highest}`);
    if (expected === "ok") {
      window.accept(counter);
      seen.add(counter);
      highest = Math.max(highest, counter);
    }
  }
});

Deno.test("sealed counters: out of range on sealing, and a wire counter past 2^53 is malformed", () => {
  throws(() => sealDatagram(KEYS.clientToServer, 1, MAX_SEALED_COUNTER + 1, new Uint8Array()));
  throws(() => sealDatagram(KEYS.clientToServer, 1, -1, new Uint8Array()));
  const sealed = vector("sealed-c2s-chat").slice();
  sealed[5] = 0xff;
  throws(() => readSealedHeader(sealed), ProtocolError);
});

Deno.test("session request: session must be 0 or 1; the grant must be 0 or 36 bytes", () => {
  const decode = (json: string) => decodeRoomRequest(encodeUtf8(json));
  strictEqual(decode('{"username":"a","session":0}').session, undefined);
  strictEqual(decode('{"username":"a","session":1}').session, true);
  throws(() => decode('{"username":"a","session":"yes"}'), ProtocolError);
  const frame = decodeTcrpFrame(vector("tcrp-session-grant"));
  throws(() => decodeSessionFrame({ ...frame, payload: frame.payload.subarray(1) }), ProtocolError);
  throws(() => decodeSessionFrame({ ...frame, state: 2 }), ProtocolError);
});

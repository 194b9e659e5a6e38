/**
 * The cluster's pure parts: heartbeat, orphaned-entry and delete-marker bookkeeping on a controlled
 * clock, the datagram records crossing the broker, and registry keys.
 */

import { deepStrictEqual, notStrictEqual, strictEqual } from "node:assert/strict";
import { encodeClientDatagram, encodeCommand, Status } from "../protocol/mod.ts";
import { deriveSessionKeys, sealDatagram } from "../protocol/sealing.ts";
import { DeleteMarkers } from "../server/cluster/delete_markers.ts";
import { JoinWindow } from "../server/cluster/owner_side.ts";
import { PendingJoins } from "../server/cluster/pending_joins.ts";
import { decodeJoinRequest, encodeJoinRequest } from "../server/cluster/rpc_messages.ts";
import { Relay } from "../server/cluster/relay.ts";
import {
  DatagramBatches,
  type DatagramRecord,
  decodeRecords,
  Liveness,
  MAX_BATCH_BYTES,
  OrphanedEntries,
  registryKey,
  roomOfKey,
} from "../server/cluster/mod.ts";

const a1 = { node: "a", incarnation: "1" };
const b1 = { node: "b", incarnation: "1" };

Deno.test("liveness: a node unheard of for the dead-after time dies once; heard of, it lives", () => {
  const liveness = new Liveness(5_000);
  strictEqual(liveness.seen(a1, 0), null);
  strictEqual(liveness.seen(b1, 0), null);
  deepStrictEqual(liveness.expire(4_999), []);
  strictEqual(liveness.seen(a1, 4_000), null);
  deepStrictEqual(liveness.expire(5_000), [b1]);
  // Once: a dead node is forgotten.
  deepStrictEqual(liveness.expire(6_000), []);
  strictEqual(liveness.isAlive(a1), true);
  strictEqual(liveness.isAlive(b1), false);
  deepStrictEqual(liveness.expire(9_000), [a1]);
  strictEqual(liveness.size, 0);
});

Deno.test("liveness: a restarted node (new incarnation) ends its previous run at once", () => {
  const liveness = new Liveness(5_000);
  liveness.seen(a1, 0);
  deepStrictEqual(liveness.seen({ node: "a", incarnation: "2" }, 100), a1);
  strictEqual(liveness.isAlive(a1), false);
  strictEqual(liveness.isAlive({ node: "a", incarnation: "2" }), true);
});

Deno.test("liveness: a node cut off hears nobody, so every other node dies for it (fencing)", () => {
  const liveness = new Liveness(1_000);
  for (const node of ["a", "b", "c"]) liveness.seen({ node, incarnation: "x" }, 0);
  deepStrictEqual(liveness.expire(1_000).map((run) => run.node).sort(), ["a", "b", "c"]);
});

Deno.test("liveness: a node that says goodbye is forgotten at once", () => {
  const liveness = new Liveness(1_000);
  liveness.seen(a1, 0);
  deepStrictEqual(liveness.forget("a"), a1);
  strictEqual(liveness.forget("a"), null);
  deepStrictEqual(liveness.expire(5_000), []);
});

Deno.test("orphaned entries: a run unheard of for the grace time without a break, and no other", () => {
  const orphans = new OrphanedEntries(5_000);
  const live = new Set(["a/1"]);
  const alive = (run: { node: string; incarnation: string }) =>
    live.has(`${run.node}/${run.incarnation}`);
  const entries = (...list: [string, { node: string; incarnation: string }][]) => list;
  deepStrictEqual(orphans.orphaned(entries(["x", a1], ["y", b1]), alive, 0), []);
  deepStrictEqual(orphans.orphaned(entries(["x", a1], ["y", b1]), alive, 4_999), []);
  deepStrictEqual(orphans.orphaned(entries(["x", a1], ["y", b1]), alive, 5_000), [["y", b1]]);
  // Heard of once, its silence counts again from the start.
  live.add("b/1");
  deepStrictEqual(orphans.orphaned(entries(["y", b1]), alive, 6_000), []);
  live.delete("b/1");
  deepStrictEqual(orphans.orphaned(entries(["y", b1]), alive, 7_000), []);
  deepStrictEqual(orphans.orphaned(entries(["y", b1]), alive, 11_999), []);
  // The name taken by another run meanwhile: that run's own silence counts.
  const b2 = { node: "b", incarnation: "2" };
  deepStrictEqual(orphans.orphaned(entries(["y", b2]), alive, 12_000), []);
  deepStrictEqual(orphans.orphaned(entries(["y", b2]), alive, 17_000), [["y", b2]]);
});

Deno.test("delete markers: due the age after the upkeep first saw them; a newer write or marker wins", () => {
  const markers = new DeleteMarkers(600);
  markers.deleted("room.x", 3);
  markers.deleted("room.y", 4);
  deepStrictEqual(markers.due(1_000), []);
  deepStrictEqual(markers.due(1_599), []);
  // The name written again: nothing of it is purged.
  markers.written("room.y");
  deepStrictEqual(markers.due(1_600), [{ key: "room.x", revision: 3 }]);
  // Deleted again meanwhile: the purge of the older marker leaves the newer one, aged anew.
  markers.deleted("room.x", 7);
  markers.purged("room.x", 3);
  deepStrictEqual(markers.due(2_200), []);
  deepStrictEqual(markers.due(2_800), [{ key: "room.x", revision: 7 }]);
  markers.purged("room.x", 7);
  deepStrictEqual(markers.due(10_000), []);
});

Deno.test("delete markers: past the cap a scan is asked for, which keeps the ages noted", () => {
  const markers = new DeleteMarkers(600, 1);
  markers.deleted("room.x", 3);
  strictEqual(markers.missed, false);
  // Not noted for the cap; no room yet for a scan.
  markers.deleted("room.y", 4);
  strictEqual(markers.missed, false);
  deepStrictEqual(markers.due(0), []);
  deepStrictEqual(markers.due(600), [{ key: "room.x", revision: 3 }]);
  markers.purged("room.x", 3);
  strictEqual(markers.missed, true);
  markers.scanning();
  strictEqual(markers.missed, false);
  markers.deleted("room.y", 4);
  deepStrictEqual(markers.due(700), []);
  // Found again by a scan, a marker keeps the age it has.
  markers.deleted("room.y", 4);
  deepStrictEqual(markers.due(1_300), [{ key: "room.y", revision: 4 }]);
  // A scan that failed leaves the markers missed.
  markers.purged("room.y", 4);
  markers.scanFailed();
  strictEqual(markers.missed, true);
});

/** The batches `add` calls make, decoded, by destination. */
async function batched(
  adds: [string, string, number, string, Uint8Array][],
): Promise<[string, Uint8Array, DatagramRecord[]][]> {
  const published: [string, Uint8Array, DatagramRecord[]][] = [];
  const batches = new DatagramBatches((to, batch) =>
    published.push([to, batch, [...decodeRecords(batch)]])
  );
  for (const add of adds) batches.add(...add);
  await Promise.resolve();
  return published;
}

Deno.test("datagram batches round-trip, in order, IPv4 and IPv6, with or without a local address", async () => {
  const records = [
    { hostname: "127.0.0.1", port: 40_000, local: "", bytes: new Uint8Array([1, 2, 3]) },
    { hostname: "::1", port: 65_535, local: "::1", bytes: new Uint8Array(0) },
    { hostname: "10.0.0.7", port: 1, local: "10.0.0.1", bytes: new Uint8Array(1_400).fill(7) },
  ];
  const published = await batched(records.map((r) => ["b", r.hostname, r.port, r.local, r.bytes]));
  deepStrictEqual(published.map(([to, , decoded]) => [to, decoded]), [["b", records]]);
  // A truncated tail is left out rather than misread.
  const whole = published[0][1];
  deepStrictEqual([...decodeRecords(whole.subarray(0, whole.length - 1))], records.slice(0, 2));
});

Deno.test("datagram batches: the same datagram to many members of one node crosses once", async () => {
  const event = new Uint8Array(200).fill(1);
  const other = new Uint8Array(200).fill(2);
  const adds: [string, string, number, string, Uint8Array][] = [];
  for (let port = 1; port <= 100; port++) adds.push(["b", "127.0.0.1", port, "", event]);
  adds.push(["b", "127.0.0.1", 7, "", other]);
  const [[, batch, decoded]] = await batched(adds);
  strictEqual(decoded.length, 101);
  deepStrictEqual(decoded.map((r) => r.port), [...Array(100).keys()].map((i) => i + 1).concat(7));
  // Two datagrams and 101 addresses of 13 bytes: not 101 copies of the datagram.
  strictEqual(batch.length, 2 * (4 + 200) + 101 * 13);
});

Deno.test("datagram batches: one message per destination per task, at once past the size cap", async () => {
  const published: [string, number][] = [];
  const batches = new DatagramBatches((to, batch) =>
    published.push([to, [...decodeRecords(batch)].length])
  );
  for (let i = 0; i < 3; i++) {
    batches.add("b", "127.0.0.1", 1_000 + i, "", new Uint8Array(10).fill(i));
  }
  batches.add("c", "127.0.0.1", 2_000, "", new Uint8Array(10));
  deepStrictEqual(published, []);
  await Promise.resolve();
  deepStrictEqual(published, [["b", 3], ["c", 1]]);
  published.length = 0;
  // Distinct datagrams: each is its own group (the datagram, 4 bytes, and a 13-byte address).
  const size = 60_000;
  const cap = Math.ceil(MAX_BATCH_BYTES / (size + 4 + 13));
  for (let i = 0; i < cap + 2; i++) batches.add("b", "127.0.0.1", 1, "", new Uint8Array(size));
  deepStrictEqual(published, [["b", cap]]);
  await Promise.resolve();
  deepStrictEqual(published, [["b", cap], ["b", 2]]);
});

Deno.test("registry keys: any room name, base64url, and back", () => {
  for (const name of ["r", "ラウンジ", "a b/c.d*>", "😀".repeat(60)]) {
    const key = registryKey(name);
    strictEqual(/^room\.[A-Za-z0-9_-]+$/.test(key), true, key);
    strictEqual(roomOfKey(key), name);
  }
  strictEqual(roomOfKey("other.key"), null);
  strictEqual(roomOfKey("room.%%%"), null);
});

Deno.test("datagram batches: decoded datagrams are copies, safe once the batch buffer is reused", async () => {
  const [[, batch, decoded]] = await batched([["b", "127.0.0.1", 1, "", new Uint8Array([5, 6])]]);
  batch.fill(0);
  deepStrictEqual([...decoded[0].bytes], [5, 6]);
});

Deno.test("relay: a client's address is noted only from a datagram that proves it", () => {
  const relay = new Relay();
  const grant = { id: 7, secret: new Uint8Array(32).fill(1) };
  const key = deriveSessionKeys(grant).clientToServer;
  relay.add("a", "sealed-token", true, grant, "10.0.0.1", 0);
  relay.add("a", "plain-token", false, null, "10.0.0.2", 0);
  const keepalive = encodeCommand({ type: "keepalive" });
  const sealed = (counter: number) => sealDatagram(key, grant.id, counter, keepalive);
  const utf8 = (text: string) => new TextEncoder().encode(text);
  const plain = encodeClientDatagram(utf8("room"), utf8("plain-token"), utf8("hi"));
  const address = (member: ReturnType<Relay["route"]>) => member?.address;

  // The client's own datagrams: noted, and a sealed one from anywhere (it roams, §7.5).
  deepStrictEqual(address(relay.route(sealed(1), "10.0.0.1", 1000, "", 0)), {
    hostname: "10.0.0.1",
    port: 1000,
    local: "",
  });
  deepStrictEqual(address(relay.route(sealed(2), "10.9.9.9", 2000, "", 0)), {
    hostname: "10.9.9.9",
    port: 2000,
    local: "",
  });
  deepStrictEqual(address(relay.route(plain, "10.0.0.2", 3000, "", 0)), {
    hostname: "10.0.0.2",
    port: 3000,
    local: "",
  });
  // Its session id with a forged tag, or its token from another IP: still relayed (the owner
  // counts the drop), but the address its node would tell of its room's end stays its own.
  const forged = sealed(3);
  forged[forged.length - 1] ^= 1;
  deepStrictEqual(address(relay.route(forged, "10.6.6.6", 6666, "", 0)), {
    hostname: "10.9.9.9",
    port: 2000,
    local: "",
  });
  deepStrictEqual(address(relay.route(plain, "10.6.6.6", 6666, "", 0)), {
    hostname: "10.0.0.2",
    port: 3000,
    local: "",
  });
});

Deno.test("pending joins: an answer while the member node waits is taken; after it gave up, it is late", async () => {
  const pending = new PendingJoins();
  const admitted = { status: Status.Ok, node: "a", incarnation: "1", token: "t" };
  const first = pending.open();
  strictEqual(pending.settle(first.id, admitted), true);
  deepStrictEqual(await first.reply, admitted);
  // The owner answers after the member node stopped waiting: the client got ServerError, so the
  // admission must be withdrawn (the caller's part), whatever order the two arrived in.
  const second = pending.open();
  pending.giveUp(second.id);
  strictEqual(await second.reply, null);
  strictEqual(pending.settle(second.id, admitted), false);
  // Once answered, a wait is over: a second answer (a duplicate) is late too, a give-up a no-op.
  strictEqual(pending.settle(first.id, admitted), false);
  pending.giveUp(first.id);
  strictEqual(pending.size, 0);
});

Deno.test("pending joins: every wait ends when the node stops, none is answered twice", async () => {
  const pending = new PendingJoins();
  const waits = [pending.open(), pending.open()];
  notStrictEqual(waits[0].id, waits[1].id);
  pending.giveUpAll();
  deepStrictEqual(await Promise.all(waits.map((wait) => wait.reply)), [null, null]);
  strictEqual(pending.settle(waits[0].id, null), false);
  strictEqual(pending.size, 0);
});

Deno.test("join requests carry the member node's remaining wait, which the owner keeps to", () => {
  const request = {
    from: a1,
    ip: "192.0.2.7",
    session: true,
    waitMs: 4_321,
    frame: new Uint8Array([1, 2, 3]),
  };
  deepStrictEqual(decodeJoinRequest(encodeJoinRequest(request)), request);
  // The owner's clock: the wait counts from when the request reached it.
  const window = new JoinWindow(10_000, request.waitMs);
  strictEqual(window.open(10_000 + 4_320), true);
  strictEqual(window.open(10_000 + 4_321), false);
});

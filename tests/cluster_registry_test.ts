/**
 * The room registry's delete markers (docs/cluster.md): a closed room's marker is purged once old,
 * so the broker does not keep every room name ever used; and the purge never removes an entry
 * written after the marker (the name created again meanwhile). A real nats-server; the upkeep's
 * clock is driven by the test.
 */

import { strictEqual } from "node:assert/strict";
import { jetstreamManager } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import { connect, type NatsConnection } from "@nats-io/transport-node";
import { DeleteMarkers, MARKER_AGE_MS, purgeMarker } from "../server/cluster/delete_markers.ts";
import { RoomRegistry } from "../server/cluster/registry.ts";
import { REGISTRY_BUCKET, registryKey } from "../server/cluster/subjects.ts";
import {
  CLUSTER_WAIT_MS,
  clusterTestName,
  eventually,
  HAVE_NATS,
  NatsServer,
} from "./cluster_fixture.ts";

const RUN_A = { node: "a", incarnation: "a-1", password: false, members: 1 };
const RUN_B = { node: "b", incarnation: "b-1", password: false, members: 1 };

/** How long a watch that starts may take to replay the bucket. */
const REPLAY_WAIT_MS = 5_000;

/** A nats-server, a connection, the registry on it and a plain handle on its bucket. */
async function withRegistry(
  test: (nc: NatsConnection, registry: RoomRegistry, kv: KV) => Promise<void>,
  maxMarkers?: number,
): Promise<void> {
  await using server = await NatsServer.start();
  const nc = await connect({ servers: server.url });
  try {
    const registry = await RoomRegistry.open(nc, 1, CLUSTER_WAIT_MS, MARKER_AGE_MS, maxMarkers);
    try {
      await test(nc, registry, await new Kvm(nc).open(REGISTRY_BUCKET));
    } finally {
      await registry.close();
    }
  } finally {
    await nc.close();
  }
}

Deno.test({
  name: clusterTestName("registry: a closed room's delete marker is purged once old"),
  ignore: !HAVE_NATS,
  async fn() {
    await withRegistry(async (_nc, registry, kv) => {
      strictEqual(await registry.claim("lounge", RUN_A), "claimed");
      await registry.release("lounge", RUN_A);
      // The delete left its marker: the name is still in the broker's store.
      strictEqual((await kv.get(registryKey("lounge")))?.operation, "DEL");
      strictEqual((await kv.status()).values, 1);
      // Each upkeep a marker age later than the last: the watch notes the marker, the next purges.
      let now = 0;
      await eventually(async () => {
        await registry.purgeMarkers(now);
        now += MARKER_AGE_MS;
        return (await kv.status()).values === 0;
      }, "the marker purged");
      // The name is free as before.
      strictEqual(await registry.claim("lounge", RUN_B), "claimed");
    });
  },
});

Deno.test({
  name: clusterTestName("registry: markers past the cap are found again once it has room"),
  ignore: !HAVE_NATS,
  async fn() {
    // A cap of 2 against 5 closed rooms: 3 markers are not noted when the watch sees them.
    await withRegistry(async (_nc, registry, kv) => {
      for (const name of ["a", "b", "c", "d", "e"]) {
        strictEqual(await registry.claim(name, RUN_A), "claimed");
        await registry.release(name, RUN_A);
      }
      await eventually(async () => (await kv.status()).values === 5, "the 5 markers");
      // Without a restart of the watch, every marker is purged in the end all the same.
      let now = 0;
      await eventually(async () => {
        await registry.purgeMarkers(now);
        now += MARKER_AGE_MS;
        return (await kv.status()).values === 0;
      }, "every marker purged");
    }, 2);
  },
});

Deno.test({
  name: clusterTestName("registry: a name created again after its marker was seen keeps its entry"),
  ignore: !HAVE_NATS,
  async fn() {
    await withRegistry(async (nc, registry, kv) => {
      const key = registryKey("lounge");
      strictEqual(await registry.claim("lounge", RUN_A), "claimed");
      await registry.release("lounge", RUN_A);
      const marker = await kv.get(key);
      strictEqual(marker?.operation, "DEL");
      // The purge's list is taken, then the name is created again before the purge is sent.
      const markers = new DeleteMarkers(0);
      markers.deleted(key, marker.revision);
      const due = markers.due(0);
      strictEqual(await registry.claim("lounge", RUN_B), "claimed");
      const jsm = await jetstreamManager(nc);
      for (const stale of due) await purgeMarker(jsm, stale);
      // The new entry survives: read from the bucket, and replayed to a watch that starts now.
      strictEqual((await registry.read("lounge", true))?.node, "b");
      strictEqual((await kv.status()).values, 1);
      const later = await RoomRegistry.open(nc, 1, CLUSTER_WAIT_MS);
      try {
        await eventually(
          () => later.rooms.get("lounge")?.node === "b",
          "the entry in a new watch",
          REPLAY_WAIT_MS,
        );
      } finally {
        await later.close();
      }
    });
  },
});

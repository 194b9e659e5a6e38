/**
 * The room registry: one NATS KV entry per room of the cluster, `room.<base64url(name)>` → its
 * owner's run, whether it has a password and its member count. Created with create-if-absent, so
 * that of two nodes creating one name exactly one wins; watched by every node, for the room list
 * and to find a room's owner without a round trip. Deleted entries' markers are purged once old
 * ({@link RoomRegistry.purgeMarkers}): the bucket holds the rooms open and those closed lately.
 *
 * @module
 */

import { type JetStreamManager, jetstreamManager } from "@nats-io/jetstream";
import { type KV, Kvm } from "@nats-io/kv";
import type { NatsConnection } from "@nats-io/transport-node";
import { DeleteMarkers, MARKER_AGE_MS, MAX_MARKERS, purgeMarker } from "./delete_markers.ts";
import type { NodeRun } from "./liveness.ts";
import { REGISTRY_BUCKET, registryKey, roomOfKey } from "./subjects.ts";

/** A room's registry entry, as JSON in the KV value. */
export interface RegistryEntry extends NodeRun {
  /** True when the room has a password. */
  readonly password: boolean;
  /** Its members, as its owner last wrote (at most once per heartbeat). */
  readonly members: number;
}

/** An entry and the KV revision it was read at (compare-and-swap writes need it). */
export interface RegisteredRoom extends RegistryEntry {
  /** KV revision of the entry. */
  readonly revision: number;
}

/** What a claim found: this node holds the name now, another does, or no answer could be had. */
export type ClaimResult = "claimed" | "taken" | "error";

/** How long a KV write may take before it counts as failed: a leader election takes ≈5 s. */
const KV_TIMEOUT_MS = 2_000;
/** A just-written key may not be readable yet elsewhere: one retry after this. */
const READ_RETRY_MS = 50;

/**
 * How long a scan for missed delete markers may take: it reads the last message of every key,
 * at most {@link MAX_MARKERS} markers and the open rooms.
 */
const SCAN_TIMEOUT_MS = 30_000;

/** Time between two attempts to open the bucket. */
const OPEN_RETRY_MS = 250;

const encoder = new TextEncoder();

/** The registry, read through a watch and written with compare-and-swap. */
export class RoomRegistry {
  readonly #kv: KV;
  readonly #jsm: JetStreamManager;
  readonly #markers: DeleteMarkers;
  /** Every room of the cluster by name, as the watch last saw it. */
  readonly rooms = new Map<string, RegisteredRoom>();
  #watching: Promise<void> | null = null;
  #stop: (() => void) | null = null;

  private constructor(kv: KV, jsm: JetStreamManager, markers: DeleteMarkers) {
    this.#kv = kv;
    this.#jsm = jsm;
    this.#markers = markers;
  }

  /**
   * Opens (or makes) the bucket, with `replicas` copies (at most the servers of the NATS
   * cluster), and starts watching it. Tries again for `waitMs` while JetStream is not ready.
   * Delete markers are purged `markerAgeMs` (ms) after the upkeep first saw them; at most
   * `maxMarkers` are noted at once.
   *
   * @throws {Error} JetStream's last refusal, when the bucket could not be opened in time.
   */
  static async open(
    nc: NatsConnection,
    replicas: number,
    waitMs: number,
    markerAgeMs = MARKER_AGE_MS,
    maxMarkers = MAX_MARKERS,
  ): Promise<RoomRegistry> {
    const deadline = Date.now() + waitMs;
    let kv: KV;
    while (true) {
      try {
        kv = await new Kvm(nc).create(REGISTRY_BUCKET, { history: 1, replicas });
        break;
      } catch (error) {
        if (Date.now() >= deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, OPEN_RETRY_MS));
      }
    }
    // The API was reached by the bucket's creation: no second check.
    const jsm = await jetstreamManager(nc, { checkAPI: false });
    const registry = new RoomRegistry(kv, jsm, new DeleteMarkers(markerAgeMs, maxMarkers));
    await registry.#watch();
    return registry;
  }

  async #watch(): Promise<void> {
    const watch = await this.#kv.watch({ key: "room.>" });
    this.#stop = () => watch.stop();
    this.#watching = (async () => {
      for await (const entry of watch) {
        const name = roomOfKey(entry.key);
        if (name === null) continue;
        if (entry.operation !== "PUT") {
          this.rooms.delete(name);
          this.#markers.deleted(entry.key, entry.revision);
          continue;
        }
        this.#markers.written(entry.key);
        const value = parseEntry(entry.value);
        if (value !== null) this.rooms.set(name, { ...value, revision: entry.revision });
      }
    })();
  }

  /**
   * Claims `roomName` for `entry`'s run: exactly one of concurrent claims of a name wins. An entry
   * the same run wrote already counts as claimed (a claim that timed out may still have landed).
   */
  async claim(roomName: string, entry: RegistryEntry): Promise<ClaimResult> {
    const key = registryKey(roomName);
    try {
      await withTimeout(this.#kv.create(key, encoder.encode(JSON.stringify(entry))));
      return "claimed";
    } catch {
      // Either the name is taken or the registry did not answer: only a read can tell.
    }
    const found = await this.read(roomName).catch(() => undefined);
    if (found === undefined || found === null) return "error";
    // An earlier claim of this run that timed out yet was written: it is this run's.
    if (found.node === entry.node && found.incarnation === entry.incarnation) return "claimed";
    return "taken";
  }

  /**
   * The entry of `roomName`: from the watch (unless `fresh`), else read from the bucket (retried
   * once: a key written a moment ago elsewhere may not be readable yet); null when there is none.
   *
   * @throws {Error} when the bucket cannot be read.
   */
  async read(roomName: string, fresh = false): Promise<RegisteredRoom | null> {
    const watched = fresh ? undefined : this.rooms.get(roomName);
    if (watched !== undefined) return watched;
    const key = registryKey(roomName);
    for (let attempt = 0; attempt < 2; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, READ_RETRY_MS));
      const entry = await withTimeout(this.#kv.get(key));
      if (entry !== null && entry.operation === "PUT") {
        const value = parseEntry(entry.value);
        if (value !== null) return { ...value, revision: entry.revision };
      }
    }
    return null;
  }

  /** Rewrites `roomName`'s entry if it is still at `revision` (compare-and-swap); false if not. */
  async update(roomName: string, entry: RegistryEntry, revision: number): Promise<boolean> {
    try {
      const json = encoder.encode(JSON.stringify(entry));
      await withTimeout(this.#kv.update(registryKey(roomName), json, revision));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Deletes `roomName`'s entry if `run` still owns it: the name is free again. The delete is a
   * compare-and-swap on the watched revision; when the entry moved on since (a member count
   * written a moment ago), it is read afresh from the bucket and tried once more.
   */
  async release(roomName: string, run: NodeRun): Promise<void> {
    const watched = await this.read(roomName).catch(() => null);
    if (watched !== null && owns(watched, run) && await this.#delete(roomName, watched.revision)) {
      return;
    }
    const fresh = await this.read(roomName, true).catch(() => null);
    if (fresh !== null && owns(fresh, run)) await this.#delete(roomName, fresh.revision);
  }

  /** Deletes every entry `run` owns (it was declared dead): their names are free again. */
  async releaseAll(run: NodeRun): Promise<void> {
    const owned = [...this.rooms].filter(([, entry]) => owns(entry, run));
    await Promise.all(owned.map(([name]) => this.release(name, run)));
  }

  /** True when the entry was deleted at `revision`; false when it changed or went meanwhile. */
  async #delete(roomName: string, revision: number): Promise<boolean> {
    try {
      await withTimeout(this.#kv.delete(registryKey(roomName), { previousSeq: revision }));
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Purges the delete markers due at `now` (ms, the caller's clock), one key at a time, each bounded
   * by its marker's revision so that a name created again meanwhile keeps its entry. Any node may:
   * a purge is idempotent. At the first failure it stops: the rest stay noted for the next time.
   * Then, if markers were missed for the cap and the purges made room, the bucket is scanned for
   * them (they are purged a marker age later).
   *
   * @throws {Error} the first failure (JetStream's refusal, or no answer in time).
   */
  async purgeMarkers(now: number): Promise<void> {
    for (const marker of this.#markers.due(now)) {
      await withTimeout(purgeMarker(this.#jsm, marker));
      this.#markers.purged(marker.key, marker.revision);
    }
    if (!this.#markers.missed) return;
    this.#markers.scanning();
    try {
      await this.#scanMarkers();
    } catch (error) {
      this.#markers.scanFailed();
      throw error;
    }
  }

  /**
   * Notes the markers in the bucket now (the last message of each key, headers only). Entries
   * are left to the watch: a marker the scan finds stale (its name created again since) is safe
   * to purge all the same, bounded by its revision, while an entry it found stale could drop a
   * marker noted since.
   *
   * @throws {Error} when the bucket cannot be read, or the scan took {@link SCAN_TIMEOUT_MS}.
   */
  async #scanMarkers(): Promise<void> {
    // A bucket empty now would give the watch nothing to end its replay on.
    if ((await withTimeout(this.#kv.status())).values === 0) return;
    const scan = await withTimeout(this.#kv.watch({ key: "room.>", headers_only: true }));
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      scan.stop();
    }, SCAN_TIMEOUT_MS);
    try {
      for await (const entry of scan) {
        if (entry.operation !== "PUT") this.#markers.deleted(entry.key, entry.revision);
        // The last of the replay (updates after it are the watch's), or nothing pending behind
        // it: a key purged meanwhile leaves the replay short of the count it started with.
        if (entry.isUpdate || entry.delta === 0) return;
      }
    } finally {
      clearTimeout(timer);
      scan.stop();
    }
    // Stopped before its replay ended: the markers it did not reach are missed still.
    if (late) throw new Error("the scan for delete markers did not end in time");
  }

  /** Stops watching. */
  async close(): Promise<void> {
    this.#stop?.();
    await this.#watching;
  }
}

/** True when `entry` was written by `run`. */
function owns(entry: NodeRun, run: NodeRun): boolean {
  return entry.node === run.node && entry.incarnation === run.incarnation;
}

function parseEntry(value: Uint8Array): RegistryEntry | null {
  try {
    const entry = JSON.parse(new TextDecoder().decode(value)) as Partial<RegistryEntry>;
    if (typeof entry.node !== "string" || typeof entry.incarnation !== "string") return null;
    return {
      node: entry.node,
      incarnation: entry.incarnation,
      password: entry.password === true,
      members: typeof entry.members === "number" ? entry.members : 0,
    };
  } catch {
    return null;
  }
}

/** `promise`, or a rejection after `timeoutMs` (by default {@link KV_TIMEOUT_MS}). */
function withTimeout<T>(promise: Promise<T>, timeoutMs = KV_TIMEOUT_MS): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error("the registry did not answer in time")),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * The registry's delete markers: a KV delete leaves a marker message in the bucket's stream for
 * its key, for ever unless purged, so every room name ever closed would stay in the broker's store
 * and be replayed to every node's watch at start. The markers the watch sees are noted here and,
 * once old enough for every node's watch to have seen the delete, purged with a sequence bound
 * that can never remove a newer entry of the same name.
 *
 * @module
 */

import type { JetStreamManager } from "@nats-io/jetstream";
import { REGISTRY_BUCKET, REGISTRY_STREAM } from "./subjects.ts";

/**
 * How old a marker is purged (ms, from when the upkeep first saw it): long enough that every
 * node's watch has seen the delete. A connected node's watch sees it within moments; one that
 * misses it was cut off from the broker for the whole age — over a hundred times the default
 * dead-after time (5 s), fenced by the others long before — and lists that room until it restarts.
 * The markers left stay few: the names closed in the last ten minutes.
 */
export const MARKER_AGE_MS = 10 * 60_000;

/**
 * The most markers noted at once: ≈ 150 bytes each, 3 MB at most; 2,000 closes a minute sustained
 * for {@link MARKER_AGE_MS}. A marker past it is not noted when the watch sees it; once purges made
 * room, the bucket is scanned for the markers missed ({@link DeleteMarkers.missed}).
 */
export const MAX_MARKERS = 20_000;

/** A marker due for purging: its key and its revision (stream sequence). */
export interface DueMarker {
  /** The registry key (`room.…`). */
  readonly key: string;
  /** The marker's revision: the purge removes this message of the key and those before it. */
  readonly revision: number;
}

/**
 * Markers the watch saw and not yet purged, key → revision and when the upkeep first saw it
 * (undefined until then: the clock is the upkeep's). Bounded by {@link MAX_MARKERS}.
 */
export class DeleteMarkers {
  readonly #ageMs: number;
  readonly #maxMarkers: number;
  readonly #markers = new Map<string, { revision: number; seenAt: number | undefined }>();
  /**
   * True once a marker was not noted for the cap, until a scan starts: the watch shows each
   * marker once, so without a scan it would stay in the broker's store until the node restarts.
   */
  #overflowed = false;

  /**
   * Markers are due `ageMs` (ms) after the upkeep first saw them; at most `maxMarkers` are
   * noted at once.
   */
  constructor(ageMs: number, maxMarkers = MAX_MARKERS) {
    this.#ageMs = ageMs;
    this.#maxMarkers = maxMarkers;
  }

  /**
   * The watch (or a scan) saw `key` deleted (or purged) at `revision`. A marker already noted at
   * that revision keeps its age: a scan finds again markers the watch noted.
   */
  deleted(key: string, revision: number): void {
    const known = this.#markers.get(key);
    if (known?.revision === revision) return;
    if (known === undefined && this.#markers.size >= this.#maxMarkers) {
      this.#overflowed = true;
      return;
    }
    this.#markers.set(key, { revision, seenAt: undefined });
  }

  /** True when markers were missed for the cap and there is room again: time for a scan. */
  get missed(): boolean {
    return this.#overflowed && this.#markers.size < this.#maxMarkers;
  }

  /** A scan of the bucket starts: it notes what it can, and overflows again if need be. */
  scanning(): void {
    this.#overflowed = false;
  }

  /** A scan failed: the markers it did not reach are still missed. */
  scanFailed(): void {
    this.#overflowed = true;
  }

  /** The watch saw `key` written: it has no marker to purge (a newer entry replaced it). */
  written(key: string): void {
    this.#markers.delete(key);
  }

  /** The markers due at `now` (ms, the upkeep's clock); those seen for the first time start now. */
  due(now: number): DueMarker[] {
    const due: DueMarker[] = [];
    for (const [key, marker] of this.#markers) {
      marker.seenAt ??= now;
      if (now - marker.seenAt >= this.#ageMs) due.push({ key, revision: marker.revision });
    }
    return due;
  }

  /** `key`'s marker at `revision` was purged; a newer one noted meanwhile stays. */
  purged(key: string, revision: number): void {
    if (this.#markers.get(key)?.revision === revision) this.#markers.delete(key);
  }
}

/**
 * Purges `marker` from the registry's stream: only messages of its key with a sequence below
 * `revision + 1`, the marker and what came before it. An entry written after the marker (the name
 * created again meanwhile) has a higher sequence and stays, unlike a `keep: 0` purge such as
 * `kv.purgeDeletes()`. Idempotent: any node may purge, any number of times.
 *
 * @throws {Error} when JetStream refuses or does not answer.
 */
export async function purgeMarker(jsm: JetStreamManager, marker: DueMarker): Promise<void> {
  await jsm.streams.purge(REGISTRY_STREAM, {
    filter: `$KV.${REGISTRY_BUCKET}.${marker.key}`,
    seq: marker.revision + 1,
  });
}

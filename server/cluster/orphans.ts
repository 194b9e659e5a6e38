/**
 * Registry entries no living node owns: their node died while no other node heard it (every node
 * killed at once, or one alone), so nobody declared it dead and deleted them; or a previous run
 * of this very node left them. Pure bookkeeping on a clock the caller gives.
 *
 * @module
 */

import type { NodeRun } from "./liveness.ts";

/**
 * Entries whose owner's run is not alive, and when each was first found so. One found so for the
 * grace time is orphaned: a live owner is heard within one heartbeat, and the grace (the
 * dead-after time) also covers a node that just started or just came back and hears nobody yet.
 * The table holds only entries of the registry's last look: bounded by the registry.
 */
export class OrphanedEntries {
  readonly #graceMs: number;
  #since = new Map<string, NodeRun & { readonly at: number }>();

  /** Entries unowned for `graceMs` (ms) are orphaned. */
  constructor(graceMs: number) {
    this.#graceMs = graceMs;
  }

  /**
   * Of the registry's `entries` (room name → its owner's run), the orphaned ones at `now` (ms):
   * those whose run `alive` has denied since `graceMs` ago, without a break.
   */
  orphaned(
    entries: Iterable<readonly [string, NodeRun]>,
    alive: (run: NodeRun) => boolean,
    now: number,
  ): [string, NodeRun][] {
    const since = new Map<string, NodeRun & { readonly at: number }>();
    const orphaned: [string, NodeRun][] = [];
    for (const [name, { node, incarnation }] of entries) {
      if (alive({ node, incarnation })) continue;
      const known = this.#since.get(name);
      const same = known !== undefined && known.node === node &&
        known.incarnation === incarnation;
      const at = same ? known.at : now;
      since.set(name, { node, incarnation, at });
      if (now - at >= this.#graceMs) orphaned.push([name, { node, incarnation }]);
    }
    this.#since = since;
    return orphaned;
  }
}

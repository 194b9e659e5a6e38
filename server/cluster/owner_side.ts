/**
 * The owner node's side of the cluster: the members of its rooms connected through other nodes.
 *
 * @module
 */

/**
 * How long the owner may still admit a relayed join: the member node's remaining wait, counted on
 * the owner's own clock from when the request reached it (the nodes' clocks are never compared).
 * Transit makes this end later than the member node's own wait, never sooner: it spares the
 * owner a hash nobody waits for, and the member node withdraws what is admitted past it anyway.
 */
export class JoinWindow {
  readonly #closesAt: number;

  /** A window opened at `receivedAt` (ms, the owner's clock) for `waitMs` (ms). */
  constructor(receivedAt: number, waitMs: number) {
    this.#closesAt = receivedAt + waitMs;
  }

  /** True while the member node may still wait at `now` (ms). */
  open(now: number): boolean {
    return now < this.#closesAt;
  }
}

/**
 * Which page speaks for each browser member. A page's WebSocket may end without the member
 * leaving (a reload, a phone changing networks): the member is then held, still in its room, for
 * a grace period in which a page may resume it with its token (docs/protocol.md §9.2). Whoever
 * resumes a member another page still speaks for (a duplicated tab, a kaiwa client over TCP)
 * takes it over: the caller asks {@link BrowserMembers.pageOf} which page to let go. Pure: the
 * caller tells the time, and makes the members whose grace ran out leave.
 *
 * @module
 */

/** The bookkeeping of browser members, `M` each, spoken for by pages, `P` each. */
export class BrowserMembers<M, P> {
  readonly #graceMs: number;
  /** The page speaking for each member whose WebSocket is open. */
  readonly #pages = new Map<M, P>();
  /** When each held member's grace ends (ms), for members whose WebSocket ended. */
  readonly #held = new Map<M, number>();

  /** Members whose WebSocket ended are held for `graceMs` milliseconds. */
  constructor(graceMs: number) {
    this.#graceMs = graceMs;
  }

  /** Members held without a page now. */
  get held(): number {
    return this.#held.size;
  }

  /** The page speaking for `member` now, if one does. */
  pageOf(member: M): P | undefined {
    return this.#pages.get(member);
  }

  /**
   * `page` speaks for `member` from now on (it was admitted, or resumed): a hold on it ends, so
   * that its grace running out cannot take the resumed member away. A page that spoke for it
   * until now was let go when the member was resumed (see {@link BrowserMembers.pageOf}).
   */
  seat(member: M, page: P): void {
    this.#held.delete(member);
    this.#pages.set(member, page);
  }

  /**
   * `page`'s WebSocket ended while `member` was in its room: it is held until `now` + the grace.
   * Nothing happens if another page speaks for it now.
   */
  hold(member: M, page: P, now: number): void {
    if (this.#pages.get(member) !== page) return;
    this.#pages.delete(member);
    this.#held.set(member, now + this.#graceMs);
  }

  /** `page` no longer speaks for `member` (it left, or is gone from its room). */
  unseat(member: M, page: P): void {
    if (this.#pages.get(member) === page) this.#pages.delete(member);
  }

  /** The held members whose grace ended by `now`, forgotten here: the caller makes them leave. */
  expire(now: number): M[] {
    const expired: M[] = [];
    for (const [member, until] of this.#held) {
      if (until > now) continue;
      this.#held.delete(member);
      expired.push(member);
    }
    return expired;
  }
}

/**
 * Exactly-once, in-order chat delivery on the receiving side (docs/protocol.md §3.2 "Delivery"):
 * each room's chat events carry a `seq`; this shows each seq once and in order. An event that
 * arrives early waits in a short reorder window; a hole that does not close by itself is asked for
 * again with Nack ranges (at most {@linkcode MAX_NACK_RANGE} seqs each, a bounded number of times);
 * what the server says it no longer holds (a Gap event), or never answers for, comes out as one gap
 * event ("N messages could not be recovered"): never skipped in silence. Duplicates are dropped.
 * A lost last message, which no later seq reveals, is noticed by the room's latest seq a Pong
 * carries ({@linkcode DeliveryOrder.latest}). Time and memory are bounded by `maxHeld` whatever
 * the seqs received: a jump further than that is given up at once, as one range.
 *
 * The first seq is not known in advance: the first events (History first, then Chat) are held for
 * one window, and the smallest seq among them is the start. History events are chat events in the
 * same seq space; a Chat event with a seq at or below the last History seq (a lost History event
 * resent in answer to a Nack) is still shown as history.
 *
 * Other events (joined, left, notices…) carry no seq: one that arrives while chat events are held
 * waits behind the chat events that arrived before it, so that "bo left" never comes before bo's
 * last words.
 *
 * Pure: time comes from the caller, output goes to `emit`.
 *
 * @module
 */

import { type KaiwaEvent, MAX_NACK_RANGE } from "../protocol/mod.ts";

/** A chat event (History included). */
export type ChatEvent = Extract<KaiwaEvent, { type: "chat" }>;
/**
 * What the order emits: chat events in seq order, gap events for what cannot be recovered, and
 * the other events behind the chat events that came before them.
 */
export type OrderedEvent = KaiwaEvent;

/** Timings of the reorder window and of Nacks. */
export interface DeliveryOrderConfig {
  /** How long an early event waits for the ones before it before they are asked for. */
  windowMs: number;
  /** How long to wait for the answer to a Nack before asking again. */
  nackRetryMs: number;
  /** How many Nacks ask for a seq before it is given up as lost. */
  maxNackAttempts: number;
  /** Most seqs held or missing at once; past it the oldest holes are given up at once. */
  maxHeld: number;
  /** Most Nacks sent in any second (the server answers 4 a second per member, §3.2). */
  maxNacksPerSecond: number;
}

/**
 * The defaults: a 300 ms window (reordering on the Internet is far shorter), then up to five
 * Nacks a second apart: about 5 seconds before a hole the server never answers for is reported.
 */
export const DEFAULT_DELIVERY_ORDER_CONFIG: Readonly<DeliveryOrderConfig> = {
  windowMs: 300,
  nackRetryMs: 1_000,
  maxNackAttempts: 5,
  maxHeld: 1_024,
  maxNacksPerSecond: 3,
};

/**
 * A Nack to send: an inclusive seq range of at most {@linkcode MAX_NACK_RANGE}. It may span seqs
 * already received (their resends are dropped as duplicates): one Nack then covers many holes.
 */
export interface NackRange {
  from: number;
  to: number;
}

/** What `receive` made of a chat event. */
export type Receipt = "new" | "duplicate";

interface Missing {
  /** When the hole was noticed. */
  since: number;
  /** When it was last asked for (0: never). */
  askedAt: number;
  attempts: number;
}

const LOST = "lost" as const;
const MS_PER_SECOND = 1_000;

/**
 * The receiving side's order of a room's chat events.
 *
 * @example
 * ```ts
 * const shown: number[] = [];
 * const order = new DeliveryOrder((event) => event.type === "chat" && shown.push(event.seq));
 * const chat = (seq: number) => ({ type: "chat" as const, time: 0, seq, sender: "a", text: "" });
 * order.receive(chat(1), 0);
 * order.poll(300); // the window is over: 1 is the start, shown
 * order.receive(chat(3), 400); // held: 2 is missing
 * order.receive(chat(2), 450); // shown: 2, then 3
 * ```
 */
export class DeliveryOrder {
  readonly #config: DeliveryOrderConfig;
  readonly #emit: (event: OrderedEvent) => void;
  /** The next seq to show; null until the start is known. */
  #next: number | null = null;
  /** When the first event arrived (the start is decided one window later). */
  #firstAt: number | null = null;
  /** Events waiting for the ones before them, and seqs known lost. */
  readonly #held = new Map<number, ChatEvent | typeof LOST>();
  /** Seqs after `#next` not received yet, up to the highest seen. */
  readonly #missing = new Map<number, Missing>();
  /**
   * Seqs given up at once, as ranges (ascending, disjoint): those of a jump in seqs too far
   * behind its end to be held (more than `maxHeld`). A range costs the same whatever it spans, so
   * a faulty or hostile seq near 2^32 costs neither time nor memory; it is shown as lost. The
   * call that adds one also drains it (the maxHeld holes after it make the older ones go first),
   * so a late seq from it is below `#next`, dropped as a duplicate.
   */
  readonly #lostRanges: NackRange[] = [];
  /** The highest seq seen so far. */
  #highest = -1;
  /** The highest History seq: Chat events at or below it are shown as history too. */
  #historyUpTo = -1;
  /** When the Nacks of the last second were sent. */
  #nackTimes: number[] = [];
  /** Other events waiting for the chat events up to `after` to be shown. */
  readonly #others: { after: number; event: KaiwaEvent }[] = [];

  /** An empty order; `emit` gets what is to be shown, in order. */
  constructor(
    emit: (event: OrderedEvent) => void,
    config: DeliveryOrderConfig = DEFAULT_DELIVERY_ORDER_CONFIG,
  ) {
    this.#emit = emit;
    this.#config = config;
  }

  /** Seqs held back or missing, for tests and diagnostics. */
  get waiting(): number {
    return this.#held.size + this.#missing.size;
  }

  /**
   * Takes a chat (or History) event: "new" the first time its seq is seen, "duplicate" after
   * (or for a seq before the start), when it is dropped.
   */
  receive(event: ChatEvent, now: number): Receipt {
    const { seq } = event;
    if (event.history === true && seq > this.#historyUpTo) this.#historyUpTo = seq;
    if (this.#next === null) {
      if (this.#held.has(seq)) return "duplicate";
      this.#held.set(seq, event);
      this.#firstAt ??= now;
      this.#highest = Math.max(this.#highest, seq);
      // As many as may be held: the start is decided now rather than at the window's end.
      if (this.#held.size >= this.#config.maxHeld) this.#start(now);
      return "new";
    }
    if (seq < this.#next) return "duplicate";
    const held = this.#held.get(seq);
    if (held !== undefined && held !== LOST) return "duplicate";
    this.#missing.delete(seq);
    this.#held.set(seq, event);
    this.#markMissing(this.#highest + 1, seq - 1, now);
    this.#highest = Math.max(this.#highest, seq);
    this.#bound(now);
    this.#drain(now);
    return "new";
  }

  /**
   * Takes the room's latest seq as the server last knew it (a Pong's, §3.2 "tail loss"): the seqs
   * after the highest seen, up to `seq`, become holes, asked for after the window like any other.
   * Without it a lost last message before a silence would never be noticed: no later seq reveals
   * it. A `seq` at or below the highest seen changes nothing. Ignored until the start is known: a
   * member that has shown no chat yet cannot tell which seqs before its arrival it is owed.
   */
  latest(seq: number, now: number): void {
    if (this.#next === null || seq <= this.#highest) return;
    this.#markMissing(this.#highest + 1, seq, now);
    this.#highest = seq;
    this.#bound(now);
    this.#drain(now);
  }

  /**
   * Takes an event without a seq (not chat, not gap): shown at once, or behind the chat events
   * that arrived before it while those wait.
   */
  other(event: KaiwaEvent): void {
    if (this.#next !== null && this.#next > this.#highest && this.#others.length === 0) {
      return this.#emit(event);
    }
    if (this.#next === null && this.#firstAt === null) return this.#emit(event);
    this.#others.push({ after: this.#highest, event });
  }

  /** Takes the server's Gap event: those seqs are no longer held, so they are shown as lost. */
  gap(from: number, to: number, now: number): void {
    if (this.#next === null) return;
    // Only holes we know of: a Gap cannot make us skip events we have not seen the need for.
    // The holes, not the range, are walked: a Gap's range may span up to 2^32 seqs.
    for (const seq of this.#missing.keys()) {
      if (seq >= from && seq <= to) {
        this.#missing.delete(seq);
        this.#held.set(seq, LOST);
      }
    }
    this.#drain(now);
  }

  /**
   * Advances time: ends the start's window, gives up holes asked for too often, and returns the
   * Nacks to send now (contiguous ranges of at most {@linkcode MAX_NACK_RANGE} seqs).
   */
  poll(now: number): NackRange[] {
    const { windowMs, nackRetryMs, maxNackAttempts } = this.#config;
    if (this.#next === null) {
      if (this.#firstAt !== null && now - this.#firstAt >= windowMs) this.#start(now);
      return [];
    }
    const due: number[] = [];
    for (const [seq, hole] of this.#missing) {
      const isDue = hole.attempts === 0
        ? now - hole.since >= windowMs
        : now - hole.askedAt >= nackRetryMs;
      if (!isDue) continue;
      if (hole.attempts >= maxNackAttempts) {
        this.#missing.delete(seq);
        this.#held.set(seq, LOST);
        continue;
      }
      due.push(seq);
    }
    this.#drain(now);
    this.#nackTimes = this.#nackTimes.filter((time) => now - time < MS_PER_SECOND);
    const budget = Math.max(0, this.#config.maxNacksPerSecond - this.#nackTimes.length);
    // The rest stay due, and are asked for when the budget allows.
    const ranges = toRanges(due.sort((a, b) => a - b)).slice(0, budget);
    for (const range of ranges) {
      this.#nackTimes.push(now);
      for (let seq = range.from; seq <= range.to; seq++) {
        const hole = this.#missing.get(seq);
        if (hole === undefined) continue;
        hole.attempts++;
        hole.askedAt = now;
      }
    }
    return ranges;
  }

  /**
   * The session ended: what is held is shown in order now, the holes before it as gaps (they
   * cannot be asked for any more).
   */
  flush(now: number): void {
    if (this.#next === null) {
      if (this.#held.size === 0) return;
      this.#start(now);
    }
    for (const seq of this.#missing.keys()) this.#held.set(seq, LOST);
    this.#missing.clear();
    this.#drain(now);
  }

  /**
   * Decides the start: the smallest seq held (at most `maxHeld` are); the seqs between those
   * held become holes.
   */
  #start(now: number): void {
    const seqs = [...this.#held.keys()].sort((a, b) => a - b);
    this.#next = seqs[0];
    for (let i = 1; i < seqs.length; i++) this.#markMissing(seqs[i - 1] + 1, seqs[i] - 1, now);
    this.#bound(now);
    this.#drain(now);
  }

  /**
   * The seqs `from` to `to` (inclusive), none of them held and all after any range given up,
   * become holes noticed at `now`; those more than `maxHeld` before `to` are given up at once
   * as one range (they could not all be held).
   */
  #markMissing(from: number, to: number, now: number): void {
    const firstHeld = to - this.#config.maxHeld + 1;
    if (from < firstHeld) {
      this.#lostRanges.push({ from, to: firstHeld - 1 });
      from = firstHeld;
    }
    for (let seq = from; seq <= to; seq++) {
      this.#missing.set(seq, { since: now, askedAt: 0, attempts: 0 });
    }
  }

  /**
   * Past `maxHeld`, the oldest holes are given up so that memory stays bounded: all that must go
   * at once, then shown in one pass, so that consecutive ones make one gap, not one each.
   */
  #bound(now: number): void {
    if (this.#next === null) return;
    let excess = this.#held.size + this.#missing.size - this.#config.maxHeld;
    if (excess <= 0) return;
    for (const seq of this.#missing.keys()) {
      if (excess-- <= 0) break;
      this.#missing.delete(seq);
      this.#held.set(seq, LOST);
    }
    this.#drain(now);
  }

  #drain(now: number): void {
    if (this.#next === null) return;
    for (;;) {
      while (this.#others.length > 0 && this.#others[0].after < this.#next) {
        this.#emit(this.#others.shift()!.event);
      }
      const entry = this.#held.get(this.#next);
      if (entry === LOST || this.#lostRanges[0]?.from === this.#next) {
        // Lost seqs and ranges given up that follow each other make one gap.
        const from = this.#next;
        for (;;) {
          if (this.#held.get(this.#next) === LOST) this.#held.delete(this.#next++);
          else if (this.#lostRanges[0]?.from === this.#next) {
            this.#next = this.#lostRanges.shift()!.to + 1;
          } else break;
        }
        this.#emit({ type: "gap", time: now, from, to: this.#next - 1 });
        continue;
      }
      if (entry === undefined) return;
      this.#held.delete(this.#next++);
      const history = entry.seq <= this.#historyUpTo;
      this.#emit(history && entry.history !== true ? { ...entry, history: true } : entry);
    }
  }
}

/** Sorted seqs as ranges spanning at most MAX_NACK_RANGE seqs each (received ones included). */
function toRanges(seqs: readonly number[]): NackRange[] {
  const ranges: NackRange[] = [];
  for (const seq of seqs) {
    const last = ranges[ranges.length - 1];
    if (last !== undefined && seq - last.from + 1 <= MAX_NACK_RANGE) {
      last.to = seq;
    } else {
      ranges.push({ from: seq, to: seq });
    }
  }
  return ranges;
}

/**
 * The global budget of password hashes: a few run at once (about one per core), a short queue
 * waits, and the rest are refused. scrypt is slow on purpose (≈60 ms and 16 MiB each here), so
 * unbounded hashing lets a join flood take every core and hundreds of MiB (issue 10, #2 and #3).
 *
 * @module
 */

/** A hash refused because the budget's slots and queue are all taken: answer TooManyRequests. */
export class HashBudgetExceeded extends Error {
  /** `queued` is the queue's length at the refusal. */
  constructor(readonly queued: number) {
    super(`Cannot hash a password: ${queued} hashes already wait`);
    this.name = "HashBudgetExceeded";
  }
}

/** A queued hash dropped unstarted because its requester no longer wants it (connection gone). */
export class HashAbandoned extends Error {
  constructor() {
    super("Cannot hash a password: the connection closed while it waited");
    this.name = "HashAbandoned";
  }
}

interface Waiting {
  readonly start: () => void;
  readonly wanted: () => boolean;
  readonly abandon: () => void;
}

/** What a budget went through, for tests and operators. */
export interface HashBudgetCounters {
  /** Hashes started. */
  started: number;
  /** Hashes refused because the queue was full. */
  refused: number;
  /** Queued hashes dropped unstarted because their connection was gone. */
  abandoned: number;
  /** Most hashes that ever ran at once. */
  peakRunning: number;
}

/**
 * Runs at most `maxRunning` hashes at once, queues up to `maxQueued` more, refuses the rest.
 *
 * @example
 * ```ts
 * const budget = new PasswordBudget(2, 8);
 * const hash = await budget.run(() => scryptHasher.hash("pw"), () => !deadline.expired);
 * ```
 */
export class PasswordBudget {
  readonly #maxRunning: number;
  readonly #maxQueued: number;
  readonly #queue: Waiting[] = [];
  #running = 0;
  readonly #counters: HashBudgetCounters = { started: 0, refused: 0, abandoned: 0, peakRunning: 0 };

  /** `maxRunning` ≥ 1 hashes at once, `maxQueued` ≥ 0 waiting. */
  constructor(maxRunning: number, maxQueued: number) {
    this.#maxRunning = Math.max(1, maxRunning);
    this.#maxQueued = Math.max(0, maxQueued);
  }

  /** Hashes running now. */
  get running(): number {
    return this.#running;
  }

  /** Hashes waiting now. */
  get queued(): number {
    return this.#queue.length;
  }

  /** What the budget went through so far (a snapshot). */
  get counters(): HashBudgetCounters {
    return { ...this.#counters };
  }

  /**
   * Runs `work` when a slot is free. `wanted` is asked just before a queued hash starts: false
   * drops it unstarted.
   *
   * @throws {HashBudgetExceeded} at once when every slot and the whole queue are taken.
   * @throws {HashAbandoned} when `wanted` said no before the hash started.
   */
  async run<T>(work: () => Promise<T>, wanted: () => boolean): Promise<T> {
    if (this.#running < this.#maxRunning) this.#running += 1;
    else {
      if (this.#queue.length >= this.#maxQueued) {
        this.#counters.refused += 1;
        throw new HashBudgetExceeded(this.#queue.length);
      }
      await new Promise<void>((start, reject) =>
        this.#queue.push({ start, wanted, abandon: () => reject(new HashAbandoned()) })
      );
    }
    // Here a slot is ours: taken above, or handed over by #next.
    this.#counters.started += 1;
    this.#counters.peakRunning = Math.max(this.#counters.peakRunning, this.#running);
    try {
      return await work();
    } finally {
      this.#running -= 1;
      this.#next();
    }
  }

  /** Starts the first queued hash still wanted; the others before it are dropped. */
  #next(): void {
    while (this.#running < this.#maxRunning) {
      const waiting = this.#queue.shift();
      if (waiting === undefined) return;
      if (waiting.wanted()) {
        // The slot is handed over now, so that no newcomer takes it before the waiter resumes.
        this.#running += 1;
        waiting.start();
        return;
      }
      this.#counters.abandoned += 1;
      waiting.abandon();
    }
  }
}

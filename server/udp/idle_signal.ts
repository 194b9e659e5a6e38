/**
 * Waiting, with a deadline, for a send queue to empty: both outboxes drain through it before the
 * server stops.
 *
 * @module
 */

/** Wakes everyone waiting when its owner says the queue is empty. */
export class IdleSignal {
  #waiting: (() => void)[] = [];

  /** Resolves at the next `notify()`, or after `timeoutMs`, whichever is first. */
  async wait(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      new Promise<void>((resolve) => this.#waiting.push(resolve)),
      new Promise<void>((resolve) => timer = setTimeout(resolve, timeoutMs)),
    ]);
    clearTimeout(timer);
  }

  /** Wakes every waiter. */
  notify(): void {
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const resolve of waiting) resolve();
  }
}

/**
 * Telling the operator about send-queue drops: a full queue is an overload the log must show,
 * not only a counter.
 *
 * @module
 */

import type { Logger } from "../log.ts";

/** Logs, at most once per {@linkcode QueueDropReport.report} call, the drops since the last. */
export class QueueDropReport {
  readonly #log: Logger;
  readonly #label: string;
  readonly #source: { readonly dropped: number };
  #reported = 0;

  /** Reports the drops of `source` (a transport) in lines starting with `label`. */
  constructor(log: Logger, label: string, source: { readonly dropped: number }) {
    this.#log = log;
    this.#label = label;
    this.#source = source;
  }

  /** Logs one line if `source` dropped datagrams since the last call (normal level). */
  report(): void {
    const dropped = this.#source.dropped;
    if (dropped === this.#reported) return;
    this.#log.info(
      `${this.#label}: the send queue was full; dropped ${dropped - this.#reported} datagrams ` +
        `(${dropped} in all; see --send-queue-bytes)`,
      { event: "send queue full", socket: this.#label, dropped: dropped - this.#reported },
    );
    this.#reported = dropped;
  }
}

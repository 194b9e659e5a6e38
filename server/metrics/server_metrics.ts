/**
 * What the server counts for `/metrics` beyond what its parts already count: datagrams in and out,
 * failed deliveries, chat fan-out, refusals by status and join latency. The counters are plain
 * numbers, one increment per datagram at most; the exposition is built only when scraped.
 *
 * @module
 */

/**
 * Upper bounds of the join latency buckets, in seconds: a join without a password answers in
 * well under a millisecond, one with a password hashes for ≈60 ms (scrypt) and may wait for a
 * slot (`--password-queue`), and `--request-timeout` (5 s) ends the slowest.
 */
export const JOIN_SECONDS_BUCKETS: readonly number[] = [
  0.001,
  0.005,
  0.025,
  0.1,
  0.25,
  0.5,
  1,
  2.5,
  5,
];

/** Takes one latency, in seconds: prom-client's `Histogram` is one. */
export interface LatencyObserver {
  /** Records `seconds`. */
  observe(seconds: number): void;
}

/**
 * The server's own counters; every field counts since the start. It is the TCRP sessions'
 * `RequestMetrics` (server/tcp).
 */
export class ServerMetrics {
  /**
   * Join and create latency, observed once per admission (admissions are bounded by
   * `--join-rate`, never per datagram); null when no metrics endpoint could read it.
   */
  readonly joinSeconds: LatencyObserver | null;

  /** Counters starting at zero, with the join latency observed by `joinSeconds` if given. */
  constructor(joinSeconds: LatencyObserver | null = null) {
    this.joinSeconds = joinSeconds;
  }

  /** Datagrams received on the UDP port (valid or not, oversized included). */
  datagramsIn = 0;
  /** Datagrams queued to be sent on the UDP port, one per recipient. */
  datagramsOut = 0;
  /** Sends the system refused, or (Linux fast path) that an ICMP error reported unreachable. */
  deliveryFailures = 0;
  /** Requests refused, by status name. */
  readonly refusals: Map<string, number> = new Map();
  /** A request was refused with the status named `status` (`RoomFull`, `WrongPassword`…). */
  refused(status: string): void {
    this.refusals.set(status, (this.refusals.get(status) ?? 0) + 1);
  }

  /** A create or join was admitted `seconds` after its request was read. */
  admitted(seconds: number): void {
    this.joinSeconds?.observe(seconds);
  }
}

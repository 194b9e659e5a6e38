/**
 * What the server counts for `/metrics` beyond what its parts already count: datagrams in and out,
 * failed deliveries, chat fan-out, refusals by status and join latency. The counters are plain
 * numbers, one increment per datagram at most; the exposition is built only when scraped.
 *
 * @module
 */

import { Histogram } from "prom-client";

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

/**
 * The server's own counters; every field counts since the start. It is the TCRP sessions'
 * `RequestMetrics` (server/tcp).
 */
export class ServerMetrics {
  /** Datagrams received on the UDP port (valid or not, oversized included). */
  datagramsIn = 0;
  /** Datagrams queued to be sent on the UDP port, one per recipient. */
  datagramsOut = 0;
  /** Sends the system refused, or (Linux fast path) that an ICMP error reported unreachable. */
  deliveryFailures = 0;
  /** Requests refused, by status name. */
  readonly refusals: Map<string, number> = new Map();
  /**
   * Join and create latency. A prom-client histogram, observed once per admission: admissions are
   * bounded by `--join-rate`, never per datagram.
   */
  readonly joinSeconds: Histogram = new Histogram({
    name: "kaiwa_join_duration_seconds",
    help: "Time from a create or join request read to its admission, password hash included",
    buckets: [...JOIN_SECONDS_BUCKETS],
    registers: [],
  });

  /** A request was refused with the status named `status` (`RoomFull`, `WrongPassword`…). */
  refused(status: string): void {
    this.refusals.set(status, (this.refusals.get(status) ?? 0) + 1);
  }

  /** A create or join was admitted `seconds` after its request was read. */
  admitted(seconds: number): void {
    this.joinSeconds.observe(seconds);
  }
}

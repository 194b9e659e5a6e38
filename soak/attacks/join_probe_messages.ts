/**
 * What the main thread and the join-probe worker say to each other.
 *
 * @module
 */

/** The three kinds of legitimate request, taken in turn. */
export type ProbeKind = "create" | "join" | "password";

/** Start probing; the worker answers once, with a {@link ProbeReply}, and ends. */
export interface ProbeCommand {
  /** The server's port on 127.0.0.1. */
  readonly port: number;
  /** How long to keep starting requests, ms. */
  readonly durationMs: number;
  /** One request every this many ms. */
  readonly intervalMs: number;
  /** A request not answered within this many ms fails. */
  readonly deadlineMs: number;
  /** An existing room without password, for the joins. */
  readonly joinRoom: string;
  /** An existing room with {@link password}, for the password joins. */
  readonly passwordRoom: string;
  /** The password of {@link passwordRoom}. */
  readonly password: string;
  /** Prefix of usernames and created rooms, unique per run. */
  readonly prefix: string;
  /** How many failure messages to report. */
  readonly keepReasons: number;
}

/** The probe's results. */
export interface ProbeReply {
  /** Milliseconds of each successful request. */
  readonly latencies: number[];
  /** Failed requests by kind (refused, closed, or past the deadline). */
  readonly failures: Record<ProbeKind, number>;
  /** The first few failure messages. */
  readonly reasons: string[];
}

/**
 * The messages between the benchmark's main thread and its client workers. Each worker owns a
 * share of the simulated members (one UDP socket each) and answers every command with exactly
 * one reply, in order.
 *
 * @module
 */

import type { SessionGrant } from "../protocol/mod.ts";

/** What a worker needs to send as one member: its room and token, and its session if any. */
export interface MemberCredentials {
  /** Index of the member's socket inside the worker. */
  readonly index: number;
  /** The room the member joined. */
  readonly roomName: string;
  /** The token the server issued. */
  readonly token: string;
  /** The session granted (kaiwa client, sealed datagrams), or null for a standard client. */
  readonly session: SessionGrant | null;
}

/** Commands from the main thread. */
export type WorkerCommand =
  /**
   * Open `count` sockets on 127.0.0.1 port 0 and start receiving on each; record which of the
   * members `m0` to `m<trackNames - 1>` each socket is told joined (0: record none).
   */
  | {
    kind: "open";
    count: number;
    serverHost: string;
    /** The server port each socket sends to, by socket (the node of a cluster it is on). */
    serverPorts: readonly number[];
    trackNames: number;
  }
  /** Record the room and token of members, so they can send. */
  | { kind: "members"; members: readonly MemberCredentials[] }
  /** Start counting for a new measurement step: earlier steps' deliveries become stale. */
  | { kind: "step"; step: number }
  /** Send `rate` chat messages per second for `durationMs`, round-robin over the members. */
  | { kind: "send"; step: number; rate: number; durationMs: number }
  /** Report how many datagrams arrived in all, to tell when deliveries have stopped. */
  | { kind: "poll" }
  /** Report the counters of the current step. */
  | { kind: "report" }
  /** Close every socket and stop. */
  | { kind: "close" };

/** The counters of one step in one worker. */
export interface StepReport {
  kind: "report";
  /** Chat deliveries of the current step. */
  received: number;
  /** Chat deliveries of earlier steps that arrived late. */
  stale: number;
  /** Notices and anything that is not a benchmark chat message. */
  notices: number;
  /** Sealed datagrams that did not open (forged, replayed, too old): 0 on a healthy run. */
  unopened: number;
  /** Latency histogram buckets of the current step's deliveries. */
  latencyCounts: Uint32Array;
  /** The largest latency of the current step, µs. */
  maxLatencyMicros: number;
  /** Per socket: names announced to it in `* ... joined` notices (since it opened). */
  joinedNames: Uint32Array;
  /** Per socket: when its last join notice arrived, µs since the epoch (0: none). */
  lastJoinedMicros: Float64Array;
  /** Per socket, `trackNames` bytes each: 1 where that member was named in a join notice. */
  heard: Uint8Array;
  /** Sends that failed. */
  sendErrors: number;
}

/** Replies to the main thread, one per command. */
export type WorkerReply =
  | { kind: "opened"; ports: number[] }
  | { kind: "ack" }
  /**
   * What a `send` sent, in how long, and the share of that time the worker was busy (not
   * waiting for datagrams or for its next send tick), percent.
   */
  | { kind: "sent"; sent: number; elapsedMs: number; busyPercent: number }
  | { kind: "progress"; datagrams: number }
  | StepReport
  | { kind: "failed"; message: string };

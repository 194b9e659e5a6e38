/**
 * The simulated members, spread over client workers: member `m` lives in worker `m % workers`.
 * The main thread drives them through this pool and merges their counters.
 *
 * @module
 */

import { LatencyHistogram } from "./latency_histogram.ts";
import type { SessionGrant } from "../protocol/mod.ts";
import type {
  MemberCredentials,
  StepReport,
  WorkerCommand,
  WorkerReply,
} from "./worker_messages.ts";

/** How often the pool asks whether datagrams are still arriving. */
const POLL_INTERVAL_MS = 50;

/** A member's room and token, by its index in the pool. */
export interface PoolCredentials {
  /** The member's index in the pool. */
  readonly member: number;
  /** Its room. */
  readonly roomName: string;
  /** Its token. */
  readonly token: string;
  /** Its session (a kaiwa client with sealed datagrams), or null for a standard client. */
  readonly session: SessionGrant | null;
}

/** The merged counters of one step over every worker. */
export interface PoolReport {
  /** Chat deliveries of the step. */
  received: number;
  /** Late deliveries of earlier steps. */
  stale: number;
  /** Notices and other non-chat datagrams. */
  notices: number;
  /** Sealed datagrams that did not open. */
  unopened: number;
  /** Latencies of the step's deliveries. */
  latency: LatencyHistogram;
  /** Per member (pool order): names it was told joined. */
  joinedNames: number[];
  /** Per member: when its last join notice arrived, µs since the epoch (0: none). */
  lastJoinedMicros: number[];
  /** Per member: which of the tracked members it was told joined (1) or not (0). */
  heard: Uint8Array[];
  /** Sends that failed. */
  sendErrors: number;
}

/** One worker and its strictly sequential command/reply channel. */
class WorkerChannel {
  readonly #worker: Worker;
  #pending: { resolve: (reply: WorkerReply) => void; reject: (error: Error) => void } | null = null;

  constructor() {
    this.#worker = new Worker(new URL("./client_worker.ts", import.meta.url), { type: "module" });
    this.#worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const pending = this.#pending;
      this.#pending = null;
      if (pending === null) return;
      if (event.data.kind === "failed") pending.reject(new Error(event.data.message));
      else pending.resolve(event.data);
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#pending?.reject(new Error(`Client worker failed: ${event.message}`));
      this.#pending = null;
    };
  }

  request(command: WorkerCommand): Promise<WorkerReply> {
    if (this.#pending !== null) throw new Error("Client worker is still busy");
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#worker.postMessage(command);
    });
  }

  terminate(): void {
    this.#worker.terminate();
  }
}

function expect<K extends WorkerReply["kind"]>(
  reply: WorkerReply,
  kind: K,
): Extract<WorkerReply, { kind: K }> {
  if (reply.kind !== kind) throw new Error(`Client worker answered ${reply.kind}, not ${kind}`);
  return reply as Extract<WorkerReply, { kind: K }>;
}

/** Members with sockets, on several worker threads. */
export class ClientPool {
  /** UDP port of each member's socket, by member index. */
  readonly ports: readonly number[];
  readonly #channels: WorkerChannel[];

  private constructor(channels: WorkerChannel[], ports: number[]) {
    this.#channels = channels;
    this.ports = ports;
  }

  /**
   * Opens `members` sockets over `workers` workers, all sending to `serverHost:serverPort`, or
   * member `m` to port `serverPort(m)` (its node of a cluster). With `trackNames` > 0, records
   * which of members `m0`… each member is told joined.
   */
  static async open(
    members: number,
    workers: number,
    serverHost: string,
    serverPort: number | ((member: number) => number),
    trackNames = 0,
  ): Promise<ClientPool> {
    const count = Math.max(1, Math.min(workers, members));
    const channels = Array.from({ length: count }, () => new WorkerChannel());
    const portOf = typeof serverPort === "number" ? () => serverPort : serverPort;
    try {
      const replies = await Promise.all(channels.map((channel, w) => {
        const local = Math.ceil((members - w) / count);
        return channel.request({
          kind: "open",
          count: local,
          serverHost,
          // Member m is socket m / count of worker m % count.
          serverPorts: Array.from({ length: local }, (_, i) => portOf(i * count + w)),
          trackNames,
        });
      }));
      const local = replies.map((reply) => expect(reply, "opened").ports);
      const ports = Array.from({ length: members }, (_, m) => local[m % count][m / count | 0]);
      return new ClientPool(channels, ports);
    } catch (error) {
      for (const channel of channels) channel.terminate();
      throw error;
    }
  }

  /** Number of members. */
  get size(): number {
    return this.ports.length;
  }

  /** Hands each member its room and token so that it can send. */
  async register(credentials: readonly PoolCredentials[]): Promise<void> {
    const shares: MemberCredentials[][] = this.#channels.map(() => []);
    for (const { member, roomName, token, session } of credentials) {
      const w = member % this.#channels.length;
      shares[w].push({ index: member / this.#channels.length | 0, roomName, token, session });
    }
    await this.#all((_, w) => ({ kind: "members", members: shares[w] }));
  }

  /** Starts a measurement step: counters reset, earlier deliveries become stale. */
  async beginStep(step: number): Promise<void> {
    await this.#all(() => ({ kind: "step", step }));
  }

  /**
   * Sends `rate` messages per second in all, for `durationMs`, every member taking its turn.
   * Returns the messages sent, the slowest worker's sending time and the busiest worker's busy
   * share of it, percent.
   */
  async send(step: number, rate: number, durationMs: number): Promise<{
    sent: number;
    elapsedMs: number;
    busyPercent: number;
  }> {
    const replies = await this.#all((_, w) => ({
      kind: "send",
      step,
      rate: (rate * this.#share(w)) / this.size,
      durationMs,
    }));
    let sent = 0;
    let elapsedMs = 0;
    let busyPercent = 0;
    for (const reply of replies) {
      const done = expect(reply, "sent");
      sent += done.sent;
      elapsedMs = Math.max(elapsedMs, done.elapsedMs);
      busyPercent = Math.max(busyPercent, done.busyPercent);
    }
    return { sent, elapsedMs, busyPercent };
  }

  /** Waits until no datagram arrived for `quietMs`, or `maxMs` passed. */
  async waitQuiet(quietMs: number, maxMs: number): Promise<void> {
    const start = performance.now();
    let last = -1;
    let lastChange = start;
    while (performance.now() - start < maxMs) {
      const replies = await this.#all(() => ({ kind: "poll" }));
      const total = replies.reduce((sum, reply) => sum + expect(reply, "progress").datagrams, 0);
      const now = performance.now();
      if (total !== last) {
        last = total;
        lastChange = now;
      } else if (now - lastChange >= quietMs) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
    }
  }

  /** The current step's counters, merged over the workers. */
  async report(): Promise<PoolReport> {
    const replies = (await this.#all(() => ({ kind: "report" }))).map((reply) =>
      expect(reply, "report") as StepReport
    );
    const merged: PoolReport = {
      received: 0,
      stale: 0,
      notices: 0,
      unopened: 0,
      latency: new LatencyHistogram(),
      joinedNames: new Array(this.size).fill(0),
      lastJoinedMicros: new Array(this.size).fill(0),
      heard: new Array(this.size),
      sendErrors: 0,
    };
    const workers = this.#channels.length;
    replies.forEach((reply, w) => {
      merged.received += reply.received;
      merged.stale += reply.stale;
      merged.notices += reply.notices;
      merged.unopened += reply.unopened;
      merged.sendErrors += reply.sendErrors;
      merged.latency.add(new LatencyHistogram(reply.latencyCounts, reply.maxLatencyMicros));
      reply.joinedNames.forEach((names, i) => merged.joinedNames[i * workers + w] = names);
      reply.lastJoinedMicros.forEach((t, i) => merged.lastJoinedMicros[i * workers + w] = t);
      const tracked = reply.joinedNames.length === 0
        ? 0
        : reply.heard.length / reply.joinedNames.length;
      for (let i = 0; i < reply.joinedNames.length; i++) {
        merged.heard[i * workers + w] = reply.heard.subarray(i * tracked, (i + 1) * tracked);
      }
    });
    return merged;
  }

  /** Closes every socket and ends the workers. */
  async close(): Promise<void> {
    try {
      await this.#all(() => ({ kind: "close" }));
    } finally {
      for (const channel of this.#channels) channel.terminate();
    }
  }

  /** Members living in worker `w`. */
  #share(w: number): number {
    return Math.ceil((this.size - w) / this.#channels.length);
  }

  #all(command: (channel: WorkerChannel, w: number) => WorkerCommand): Promise<WorkerReply[]> {
    return Promise.all(this.#channels.map((channel, w) => channel.request(command(channel, w))));
  }
}

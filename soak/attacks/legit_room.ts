/**
 * The legitimate users measured during each attack: a room of 4 members chatting at 4 messages
 * a second each (under the default flood limit of 5), sent and timed by the benchmark's client
 * pool in a worker thread; and one create, join or password join a second from the join-probe
 * worker. Both use 127.0.0.1, which no attacker uses, so per-IP limits never count them with
 * an attacker.
 *
 * @module
 */

import { ClientPool } from "../../bench/client_pool.ts";
import { fillRooms, type RoomLayout } from "../../bench/rooms.ts";
import { requestToken } from "../../bench/tcrp_client.ts";
import { encodeClientDatagram, encodeUtf8 } from "../../protocol/mod.ts";
import type { ProbeCommand, ProbeReply } from "./join_probe_messages.ts";
import { SERVER_HOST } from "./loopback.ts";
import { percentile } from "./percentile.ts";

/** Members of the legit room. */
const MEMBERS = 4;
/** Messages per second per member: under the default --flood-rate of 5. */
const MESSAGES_PER_MEMBER_PER_SECOND = 4;
const LAYOUT: RoomLayout = { prefix: "legit", rooms: 1, roomSize: MEMBERS };
/** The chatting room's name, as fillRooms names room 0 of {@link LAYOUT}. */
export const LEGIT_ROOM = `${LAYOUT.prefix}0`;
const PROBE_ROOM = "legit-probe";
const PASSWORD_ROOM = "legit-pw";
const PASSWORD = "legit-password";
/** One legit request a second. */
const PROBE_INTERVAL_MS = 1000;
/**
 * How long a legit request may take before it counts as failed: longer than the client's own
 * 5 s, so that a join delayed by seconds shows its delay rather than only a failure.
 */
export const PROBE_DEADLINE_MS = 15_000;
/** Deliveries are over once nothing arrived for this long, or after the drain limit. */
const QUIET_MS = 300;
const DRAIN_MS = 3_000;
const KEEP_REASONS = 3;
const PERCENT = 100;

/** What the legit users saw during one attack window. */
export interface LegitFigures {
  /** Chat messages sent. */
  readonly sent: number;
  /** Deliveries received of the sent × 3 expected. */
  readonly received: number;
  /** Share of deliveries lost, %. */
  readonly lossPercent: number;
  /** Chat latency percentiles, ms (null: nothing arrived). */
  readonly chatP50: number | null;
  readonly chatP99: number | null;
  /** Legit requests made. */
  readonly joins: number;
  /** Of those, failed (refused, closed unanswered, or over {@link PROBE_DEADLINE_MS}). */
  readonly joinFailures: number;
  /** Failures by kind. */
  readonly failuresByKind: ProbeReply["failures"];
  /** Latency percentiles of the successful requests, ms. */
  readonly joinP50: number | null;
  readonly joinP99: number | null;
  /** The first failure messages. */
  readonly failureReasons: readonly string[];
}

let probeRuns = 0;
const EMPTY = new Uint8Array(0);

/** The legit room and the probe's rooms on one server. */
export class LegitRoom {
  readonly #pool: ClientPool;
  readonly #port: number;
  /** The probe rooms' owners' UDP socket: a host that never binds would lose its room. */
  readonly #owners: Deno.DatagramConn;
  #step = 0;

  private constructor(pool: ClientPool, port: number, owners: Deno.DatagramConn) {
    this.#pool = pool;
    this.#port = port;
    this.#owners = owners;
  }

  /** Creates the chatting room, the probe's join room and its password room. */
  static async open(port: number): Promise<LegitRoom> {
    const pool = await ClientPool.open(MEMBERS, 1, SERVER_HOST, port);
    const owners = Deno.listenDatagram({ transport: "udp", hostname: SERVER_HOST, port: 0 });
    try {
      await fillRooms(SERVER_HOST, port, LAYOUT, pool);
      const owner = { create: true, username: "owner", udpPort: null };
      const server: Deno.NetAddr = { transport: "udp", hostname: SERVER_HOST, port };
      const rooms: [string, string | undefined][] = [[PROBE_ROOM, undefined], [
        PASSWORD_ROOM,
        PASSWORD,
      ]];
      for (const [roomName, password] of rooms) {
        const token = await requestToken(SERVER_HOST, port, { ...owner, roomName, password });
        // A keep-alive binds the owner, as any host's client does, within --bind-timeout.
        const keepAlive = encodeClientDatagram(encodeUtf8(roomName), encodeUtf8(token), EMPTY);
        await owners.send(keepAlive, server);
      }
    } catch (error) {
      owners.close();
      await pool.close();
      throw error;
    }
    return new LegitRoom(pool, port, owners);
  }

  /** The room's host, member 0: the member attack 9 aims at. */
  get hostAddress(): Deno.NetAddr {
    return { transport: "udp", hostname: SERVER_HOST, port: this.#pool.ports[0] };
  }

  /** Chats and probes for `durationMs`, then waits for the last deliveries and answers. */
  async measure(durationMs: number): Promise<LegitFigures> {
    const step = ++this.#step;
    await this.#pool.beginStep(step);
    const probe = runProbe({
      port: this.#port,
      durationMs,
      intervalMs: PROBE_INTERVAL_MS,
      deadlineMs: PROBE_DEADLINE_MS,
      joinRoom: PROBE_ROOM,
      passwordRoom: PASSWORD_ROOM,
      password: PASSWORD,
      prefix: `p${++probeRuns}-`,
      keepReasons: KEEP_REASONS,
    });
    const { sent } = await this.#pool.send(
      step,
      MEMBERS * MESSAGES_PER_MEMBER_PER_SECOND,
      durationMs,
    );
    await this.#pool.waitQuiet(QUIET_MS, DRAIN_MS);
    const report = await this.#pool.report();
    const joins = await probe;
    const expected = sent * (MEMBERS - 1);
    const latency = report.latency.summary();
    const failures = Object.values(joins.failures).reduce((sum, n) => sum + n, 0);
    return {
      sent,
      received: report.received,
      lossPercent: expected === 0 ? 0 : ((expected - report.received) * PERCENT) / expected,
      chatP50: latency?.p50 ?? null,
      chatP99: latency?.p99 ?? null,
      joins: joins.latencies.length + failures,
      joinFailures: failures,
      failuresByKind: joins.failures,
      joinP50: percentile(joins.latencies, 0.5),
      joinP99: percentile(joins.latencies, 0.99),
      failureReasons: joins.reasons,
    };
  }

  /** Closes the members' sockets and their worker. */
  async close(): Promise<void> {
    this.#owners.close();
    await this.#pool.close();
  }
}

function runProbe(command: ProbeCommand): Promise<ProbeReply> {
  const worker = new Worker(new URL("./join_probe_worker.ts", import.meta.url), {
    type: "module",
  });
  return new Promise<ProbeReply>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<ProbeReply>) => resolve(event.data);
    worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(`join probe failed: ${event.message}`));
    };
    worker.postMessage(command);
  }).finally(() => worker.terminate());
}

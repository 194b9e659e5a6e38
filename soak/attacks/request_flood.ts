/**
 * Many creates or joins from many source addresses, each address kept under the server's
 * per-IP request rate so that the flood is admitted rather than refused with status 8.
 *
 * @module
 */

import { Operation, type RoomRequest } from "../../protocol/mod.ts";
import { paced, type Traffic } from "./pace.ts";
import { rawExchange, type RawOutcome } from "./raw_tcrp.ts";

/** Under the server's default --join-rate of 20 requests per second per IP. */
export const RATE_PER_IP = 18;
/** Each attacker request gives up after this long. */
const REQUEST_TIMEOUT_MS = 10_000;

/** One request of a flood. */
export interface FloodRequest {
  readonly create: boolean;
  readonly room: string;
  readonly request: RoomRequest;
  /** Announce this UDP port after the token. */
  readonly udpPort?: number;
}

/** How a flood runs. */
export interface FloodOptions {
  readonly port: number;
  readonly traffic: Traffic;
  readonly signal: AbortSignal;
  /** Source addresses, used in turn. */
  readonly ips: readonly string[];
  /** Requests per second from each address. */
  readonly ratePerIp: number;
  /** Most requests in all. */
  readonly maxCount: number;
  /** Most requests open at once. */
  readonly maxInFlight: number;
  /** Request `i`. */
  readonly request: (i: number) => FloodRequest;
  /** Called with each outcome. */
  readonly onOutcome?: (i: number, outcome: RawOutcome) => void;
}

/** What a flood got back. */
export interface FloodResult {
  /** Requests sent. */
  readonly started: number;
  /** Granted (status 0). */
  readonly granted: number;
  /** How many got each status; "none" when closed or timed out unanswered. */
  readonly statuses: Readonly<Record<string, number>>;
}

/** Runs the flood until the signal, `maxCount` requests, or every address is at its rate. */
export async function requestFlood(options: FloodOptions): Promise<FloodResult> {
  const statuses: Record<string, number> = {};
  let granted = 0;
  const { started } = await paced({
    rate: options.ratePerIp * options.ips.length,
    maxInFlight: options.maxInFlight,
    maxCount: options.maxCount,
    signal: options.signal,
  }, async (i) => {
    const flood = options.request(i);
    const outcome = await rawExchange({
      localAddress: options.ips[i % options.ips.length],
      port: options.port,
      operation: flood.create ? Operation.CreateRoom : Operation.JoinRoom,
      room: flood.room,
      request: flood.request,
      timeoutMs: REQUEST_TIMEOUT_MS,
      traffic: options.traffic,
      udpPort: flood.udpPort,
    });
    const key = outcome.status === null ? "none" : String(outcome.status);
    statuses[key] = (statuses[key] ?? 0) + 1;
    if (outcome.token !== null) granted++;
    options.onOutcome?.(i, outcome);
  });
  return { started, granted, statuses };
}

/** The statuses as "0:120 3:40 none:2". */
export function formatStatuses(statuses: Readonly<Record<string, number>>): string {
  return Object.entries(statuses).map(([status, n]) => `${status}:${n}`).join(" ");
}

/** The statuses as JSON figures: `{ status_0: 120, status_none: 2 }`. */
export function statusValues(flood: FloodResult): Record<string, number> {
  return Object.fromEntries(
    Object.entries(flood.statuses).map(([status, n]) => [`status_${status}`, n]),
  );
}

/** A username of exactly `bytes` ASCII bytes, unique by `i`. */
export function paddedName(i: number, bytes: number): string {
  const tail = `-${i}`;
  return "n".repeat(Math.max(1, bytes - tail.length)) + tail;
}

/**
 * Entering the room again after the server went away (a restart, a shutdown, a long silence),
 * so that the chat goes on instead of ending: join the room; if the restarted server no longer
 * has it, create it again with the same name and password (the first member back becomes its
 * host, the others join it). An unreachable or busy server is tried again after a pause.
 *
 * @module
 */

import type { EntryRequest, RoomEntry } from "../enter_room.ts";
import { ClientError } from "../errors.ts";

/** Pauses before each attempt: about a minute in all, for a server that restarts. */
export const RECONNECT_DELAYS_MS: readonly number[] = [
  1_000,
  2_000,
  3_000,
  5_000,
  5_000,
  10_000,
  10_000,
  15_000,
  15_000,
];

/** What a reconnection needs. */
export interface ReconnectDeps {
  /** Creates or joins a room (`enterRoom` against the server). */
  enter(request: EntryRequest): Promise<RoomEntry>;
  /** The pauses before each attempt (their count is the number of attempts). */
  delaysMs?: readonly number[];
  /** Waits `ms` milliseconds, or less when `signal` is aborted. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** A room entered again, and the request that entered it. */
export interface Reentered {
  /** The new token and socket. */
  entry: RoomEntry;
  /** The request as sent (`create` says whether the room had to be made again). */
  request: EntryRequest;
}

/**
 * Enters `request.room` again: join, else create when the room is gone. Resolves to the error
 * that ended the attempts when it gives up (the last attempt's, or a refusal waiting cannot fix:
 * a wrong password, a taken name), so the user can be told why; to null when `signal` was
 * aborted (the user left).
 */
export async function reenterRoom(
  request: EntryRequest,
  deps: ReconnectDeps,
  signal: AbortSignal,
): Promise<Reentered | ClientError | null> {
  const sleep = deps.sleep ?? abortableSleep;
  let last: ClientError | null = null;
  for (const delayMs of deps.delaysMs ?? RECONNECT_DELAYS_MS) {
    await sleep(delayMs, signal);
    if (signal.aborted) return null;
    for (const create of [false, true]) {
      const attempt = { ...request, create };
      try {
        const entry = await deps.enter(attempt);
        if (!signal.aborted) return { entry, request: attempt };
        entry.socket.close();
        return null;
      } catch (error) {
        if (!(error instanceof ClientError)) throw error;
        // Gone: create it again. Made meanwhile by someone else: join it on the next attempt.
        if (!create && error.reason === "roomNotFound") continue;
        last = error;
        if (error.reason === "unreachable" || error.reason === "refused") break;
        if (create && error.reason === "roomExists") break;
        return error;
      }
    }
  }
  return signal.aborted ? null : last;
}

/** Waits `ms`, or until `signal` is aborted. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });
}

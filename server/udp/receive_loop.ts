/**
 * The receive loop both transports share: one reused buffer, every datagram handed to the
 * transport's events, faults reported and survived.
 *
 * @module
 */

import { MAX_DATAGRAM_SIZE } from "../../protocol/mod.ts";
import type { FaultLog } from "../faults.ts";
import type { Logger } from "../log.ts";
import type { TransportEvents } from "./transport.ts";

/**
 * Size of the one receive buffer: larger than any valid datagram, because Deno silently
 * truncates a datagram to the buffer, and a truncated oversized datagram must still be seen as
 * oversized.
 */
export const RECEIVE_BUFFER_SIZE = 2 * MAX_DATAGRAM_SIZE + 1;

/**
 * Takes more datagrams without awaiting (the fast path's `recvmmsg`), after each `receive()`,
 * handing each to `dispatch`. Returns how many it took when more may be waiting, or 0 when the
 * socket is drained or must not be drained further now; the loop calls it again until it returns
 * 0 or {@linkcode MAX_BATCH_RECEIVED} were taken.
 */
export type ExtraReceive = (
  dispatch: (bytes: Uint8Array, hostname: string, port: number) => void,
) => number;

/** What the receive loop needs besides the socket. */
export interface ReceiveContext {
  readonly events: Pick<TransportEvents, "received" | "oversize">;
  readonly log: Logger;
  readonly faults: FaultLog;
  /** The batched receive of the fast path, or null. */
  readonly extra: ExtraReceive | null;
}

/**
 * Most datagrams taken by {@linkcode ExtraReceive} after one `receive()`: then the loop awaits
 * again, so timers and TCP get their turn even under a flood.
 */
export const MAX_BATCH_RECEIVED = 1_024;

/**
 * Receives datagrams into one reused buffer until the socket is closed. Datagrams over 4096
 * bytes go to `oversize` instead of `received`. Whatever a handler throws is reported to
 * `faults` and the loop goes on: one bad datagram must not stop the relay for everyone.
 */
export async function receiveDatagrams(
  socket: Deno.DatagramConn,
  context: ReceiveContext,
): Promise<void> {
  const { events, log, faults, extra } = context;
  const buffer = new Uint8Array(RECEIVE_BUFFER_SIZE);
  const dispatch = (bytes: Uint8Array, hostname: string, port: number) => {
    try {
      if (bytes.length > MAX_DATAGRAM_SIZE) events.oversize(hostname);
      else events.received(bytes, hostname, port);
    } catch (error) {
      faults.report(`a datagram from ${hostname}`, error);
    }
  };
  for (;;) {
    let received: [Uint8Array, Deno.Addr];
    try {
      received = await socket.receive(buffer);
    } catch (error) {
      if (error instanceof Deno.errors.BadResource || error instanceof Deno.errors.Interrupted) {
        return;
      }
      // E.g. an ICMP error pending on the socket (IP_RECVERR, on the fast path) fails one receive:
      // it concerns one peer, not the listener, and the error queue is what counts it.
      log.verbose(`udp receive failed: ${(error as Error).message}`);
      continue;
    }
    const from = received[1] as Deno.NetAddr;
    dispatch(received[0], from.hostname, from.port);
    if (extra === null) continue;
    for (let taken = 0; taken < MAX_BATCH_RECEIVED;) {
      const count = extra(dispatch);
      if (count === 0) break;
      taken += count;
    }
  }
}

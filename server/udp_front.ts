/**
 * The UDP side of the server: one receive loop feeding datagrams to the state, and the outbox
 * that sends what the state asks for.
 *
 * @module
 */

import { MAX_DATAGRAM_SIZE } from "../protocol/mod.ts";
import type { FaultLog } from "./faults.ts";
import { type MmsgReceiver, RECEIVE_SLOTS } from "./fast_udp/mmsg_receiver.ts";
import type { Logger } from "./log.ts";
import { DropReason, handleDatagram, type ServerState } from "./state/mod.ts";

/**
 * Size of the one receive buffer: larger than any valid datagram, because Deno silently
 * truncates a datagram to the buffer, and a truncated oversized datagram must still be seen as
 * oversized.
 */
export const RECEIVE_BUFFER_SIZE = 2 * MAX_DATAGRAM_SIZE + 1;

/** Called with each datagram received; `bytes` is valid only during the call. */
export type DatagramHandler = (bytes: Uint8Array, address: Deno.NetAddr) => void;

/**
 * Most datagrams taken with `recvmmsg` after one `receive()`: then the loop awaits again, so
 * timers and TCP get their turn even under a flood.
 */
export const MAX_BATCH_RECEIVED = 1_024;

/** The batched receive of the fast path: drains what waits on the socket after each receive. */
export interface BatchReceive {
  /** The receiver on the socket's descriptor. */
  readonly receiver: MmsgReceiver;
  /** True when the receiver must stop draining (e.g. too much waits to be sent). */
  readonly busy: () => boolean;
}

/**
 * Receives datagrams into one reused buffer until the socket is closed. Datagrams over 4096
 * bytes go to `oversize` instead of `handle`. Whatever a handler throws is reported to `faults`
 * and the loop goes on: one bad datagram must not stop the relay for everyone.
 */
export async function receiveDatagrams(
  socket: Deno.DatagramConn,
  handle: DatagramHandler,
  oversize: (address: Deno.NetAddr) => void,
  log: Logger,
  faults: FaultLog,
  batch: BatchReceive | null = null,
): Promise<void> {
  const buffer = new Uint8Array(RECEIVE_BUFFER_SIZE);
  const dispatch = (bytes: Uint8Array, address: Deno.NetAddr) => {
    try {
      if (bytes.length > MAX_DATAGRAM_SIZE) oversize(address);
      else handle(bytes, address);
    } catch (error) {
      faults.report(`a datagram from ${address.hostname}`, error);
    }
  };
  const dispatchBatched = (bytes: Uint8Array, hostname: string, port: number) =>
    dispatch(bytes, { transport: "udp", hostname, port });
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
    dispatch(received[0], received[1] as Deno.NetAddr);
    if (batch === null) continue;
    for (let taken = 0; taken < MAX_BATCH_RECEIVED && !batch.busy();) {
      const count = batch.receiver.receive(dispatchBatched);
      taken += count;
      if (count < RECEIVE_SLOTS) break;
    }
  }
}

/** Feeds the state with the datagrams of `socket` until the socket is closed. */
export class UdpFront {
  readonly #socket: Deno.DatagramConn;
  readonly #loop: Promise<void>;

  /** Starts receiving; handler faults go to `faults`; `batch` drains backlogs (fast path). */
  constructor(
    socket: Deno.DatagramConn,
    state: ServerState,
    now: () => number,
    log: Logger,
    faults: FaultLog,
    batch: BatchReceive | null = null,
  ) {
    this.#socket = socket;
    this.#loop = receiveDatagrams(
      socket,
      (bytes, address) => handleDatagram(state, bytes, address.hostname, address.port, now()),
      (address) => state.countDrop(DropReason.Oversize, address.hostname),
      log,
      faults,
      batch,
    );
  }

  /** The address the socket is bound to. */
  get addr(): Deno.NetAddr {
    return this.#socket.addr as Deno.NetAddr;
  }

  /** Closes the socket and waits for the receive loop to end. */
  async close(): Promise<void> {
    try {
      this.#socket.close();
    } catch {
      // Already closed.
    }
    await this.#loop;
  }
}

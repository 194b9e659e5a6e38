/**
 * The Linux fast-path {@linkcode UdpTransport}: `sendmmsg` batches out, `recvmmsg` drains in after
 * each Deno `receive`, and ICMP errors read from the socket's error queue reported as failures.
 *
 * @module
 */

import {
  type PeerAddress,
  RECEIVE_BUFFER_SIZE,
  receiveDatagrams,
  type TransportContext,
  type UdpTransport,
} from "../udp/mod.ts";
import { BatchSendQueue, SEND_AT_ONCE_THRESHOLD } from "./batch_queue.ts";
import { MmsgReceiver, RECEIVE_SLOTS } from "./mmsg_receiver.ts";
import type { FastUdp } from "./attach.ts";

/** A {@linkcode UdpTransport} on the descriptor of a socket Deno bound. */
export class FastUdpTransport implements UdpTransport {
  readonly #socket: Deno.DatagramConn;
  readonly #fast: FastUdp;
  readonly #queue: BatchSendQueue;
  readonly #loop: Promise<void>;
  #closing: Promise<void> | null = null;

  /** Starts receiving on `socket`, whose descriptor and libc `attachFastUdp` found. */
  constructor(socket: Deno.DatagramConn, fast: FastUdp, context: TransportContext) {
    const { events } = context;
    this.#socket = socket;
    this.#fast = fast;
    this.#queue = new BatchSendQueue(
      fast.libc,
      fast.fd,
      (address) => events.failed(address.hostname, address.port),
      (hostname, port) => events.failed(hostname, port),
      context.sendQueueBytes,
    );
    const receiver = new MmsgReceiver(fast.libc, fast.fd, RECEIVE_BUFFER_SIZE);
    this.#loop = receiveDatagrams(socket, {
      ...context,
      // Stops draining when too much waits to be sent: the fan-out goes out first.
      extra: (dispatch) => {
        if (this.#queue.pending >= SEND_AT_ONCE_THRESHOLD) return 0;
        const count = receiver.receive(dispatch);
        return count < RECEIVE_SLOTS ? 0 : count;
      },
    });
  }

  /** @inheritdoc */
  get addr(): Deno.NetAddr {
    return this.#socket.addr as Deno.NetAddr;
  }

  /** @inheritdoc */
  get pending(): number {
    return this.#queue.pending;
  }

  /** @inheritdoc */
  get dropped(): number {
    return this.#queue.dropped;
  }

  /** @inheritdoc */
  send(bytes: Uint8Array, address: PeerAddress, flow?: object): void {
    this.#queue.push(bytes, address, flow);
  }

  /** @inheritdoc */
  drain(timeoutMs: number): Promise<void> {
    return this.#queue.drain(timeoutMs);
  }

  /** @inheritdoc */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      // The queue sends on the socket's descriptor: stop it before the socket closes and the
      // descriptor number can be reused.
      await this.#queue.close();
      try {
        this.#socket.close();
      } catch {
        // Already closed.
      }
      await this.#loop;
      this.#fast.libc.close();
    })();
    return this.#closing;
  }
}

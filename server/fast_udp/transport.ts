/**
 * The Linux fast-path {@linkcode UdpTransport}: `sendmmsg` batches out, `recvmmsg` drains in after
 * each Deno `receive`, and ICMP errors read from the socket's error queue reported as failures.
 *
 * @module
 */

import {
  RECEIVE_BUFFER_SIZE,
  receiveDatagrams,
  SocketTransport,
  type TransportContext,
} from "../udp/mod.ts";
import { BatchSendQueue, SEND_AT_ONCE_THRESHOLD } from "./batch_queue.ts";
import { MmsgReceiver, RECEIVE_SLOTS } from "./mmsg_receiver.ts";
import type { FastUdp } from "./attach.ts";

/** A {@linkcode UdpTransport} on the descriptor of a socket Deno bound. */
export class FastUdpTransport extends SocketTransport {
  /** Starts receiving on `socket`, whose descriptor and libc `attachFastUdp` found. */
  constructor(socket: Deno.DatagramConn, fast: FastUdp, context: TransportContext) {
    const { events } = context;
    const queue = new BatchSendQueue(
      fast.libc,
      fast.fd,
      (address) => events.failed(address.hostname, address.port),
      (hostname, port) => events.failed(hostname, port),
      context.sendQueueBytes,
    );
    const receiver = new MmsgReceiver(fast.libc, fast.fd, RECEIVE_BUFFER_SIZE);
    const receiving = receiveDatagrams(socket, {
      ...context,
      // Stops draining when too much waits to be sent: the fan-out goes out first.
      extra: (dispatch) => {
        if (queue.pending >= SEND_AT_ONCE_THRESHOLD) return 0;
        const count = receiver.receive(dispatch);
        return count < RECEIVE_SLOTS ? 0 : count;
      },
    });
    // libc is closed after the last send and receive on the descriptor.
    super(socket, queue, receiving, () => fast.libc.close());
  }
}

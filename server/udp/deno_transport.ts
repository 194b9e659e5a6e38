/**
 * The portable {@linkcode UdpTransport}: Deno's `DatagramConn`, one awaited op per datagram.
 *
 * @module
 */

import type { FaultLog } from "../faults.ts";
import type { Logger } from "../log.ts";
import { receiveDatagrams } from "./receive_loop.ts";
import { type SendDatagram, SendQueue } from "./send_queue.ts";
import { SocketTransport } from "./socket_transport.ts";
import type { TransportEvents } from "./transport.ts";

/** What a transport needs besides its socket. */
export interface TransportContext {
  /** Where received datagrams and failed deliveries go. */
  readonly events: TransportEvents;
  readonly log: Logger;
  /** Where a throwing event handler is reported; the loop goes on. */
  readonly faults: FaultLog;
  /** Most bytes the send queue holds (`--send-queue-bytes`); `DEFAULT_SEND_QUEUE_BYTES` if unset. */
  readonly sendQueueBytes?: number;
}

/** A {@linkcode UdpTransport} over Deno's own socket API. */
export class DenoUdpTransport extends SocketTransport {
  /**
   * Starts receiving on `socket`. `send` replaces `socket.send` (tests make deliveries fail with
   * it, as the system cannot be made to).
   */
  constructor(socket: Deno.DatagramConn, context: TransportContext, send?: SendDatagram) {
    const { events } = context;
    const queue = new SendQueue(
      send ?? ((bytes, address) => socket.send(bytes, address)),
      (address) => events.failed(address.hostname, address.port),
      context.sendQueueBytes,
    );
    super(socket, queue, receiveDatagrams(socket, { ...context, extra: null }));
  }
}

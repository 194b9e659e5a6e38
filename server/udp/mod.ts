/**
 * The UDP transport seam: the {@linkcode UdpTransport} contract, Deno's portable implementation,
 * and the pieces every implementation shares (receive loop, the fair byte-bounded queue, idle
 * signal).
 *
 * @module
 */

export { DenoUdpTransport, type TransportContext } from "./deno_transport.ts";
export { QueueDropReport } from "./drop_report.ts";
export { IdleSignal } from "./idle_signal.ts";
export {
  type ExtraReceive,
  MAX_BATCH_RECEIVED,
  RECEIVE_BUFFER_SIZE,
  receiveDatagrams,
} from "./receive_loop.ts";
export {
  DEFAULT_SEND_QUEUE_BYTES,
  ENTRY_OVERHEAD_BYTES,
  FairQueue,
  type FlowKey,
  type TakenDatagram,
  TURN_DATAGRAMS,
} from "./fair_queue.ts";
export { type FailureListener, SendQueue } from "./send_queue.ts";
export { isWildcardHost, localAddressesFor, MultiAddressTransport } from "./multi_address.ts";
export { type OutboundQueue, SocketTransport } from "./socket_transport.ts";
export type { PeerAddress, TransportEvents, UdpTransport } from "./transport.ts";

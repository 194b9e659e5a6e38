/**
 * The UDP transport seam: the {@linkcode UdpTransport} contract, Deno's portable implementation,
 * and the pieces every implementation shares (receive loop, send queue limits, idle signal).
 *
 * @module
 */

export { DenoUdpTransport, type TransportContext } from "./deno_transport.ts";
export { IdleSignal } from "./idle_signal.ts";
export {
  type ExtraReceive,
  MAX_BATCH_RECEIVED,
  RECEIVE_BUFFER_SIZE,
  receiveDatagrams,
} from "./receive_loop.ts";
export { type FailureListener, MAX_QUEUED_DATAGRAMS, SendQueue } from "./send_queue.ts";
export type { PeerAddress, TransportEvents, UdpTransport } from "./transport.ts";

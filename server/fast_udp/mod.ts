/**
 * The Linux fast path for the server's UDP socket, through Deno's FFI on the very socket
 * `Deno.listenDatagram` bound: `sendmmsg(2)` batches, `recvmmsg(2)` drains after Deno's
 * `receive`, and the ICMP errors `IP_RECVERR` queues for the datagrams sent.
 *
 * @module
 */

export { attachFastUdp, type FastUdp, RECEIVE_BUFFER_BYTES } from "./attach.ts";
export type { Libc } from "./libc.ts";
export { FastUdpTransport } from "./transport.ts";

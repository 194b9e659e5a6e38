/**
 * Finding the descriptor of the socket Deno bound and preparing it for the fast path.
 *
 * @module
 */

import { enableErrorQueue } from "./error_queue.ts";
import { type Libc, openLibc, SO_RCVBUF, SOL_SOCKET, unavailableReason } from "./libc.ts";
import { findUdpSocketFd } from "./socket_fd.ts";

/** The server socket's descriptor and the library to send on it with. */
export interface FastUdp {
  /** libc, opened; close it after the last send. */
  readonly libc: Libc;
  /** The descriptor of the server's UDP socket (owned by Deno: never closed here). */
  readonly fd: number;
  /**
   * The socket's receive buffer after asking for {@linkcode RECEIVE_BUFFER_BYTES}, as
   * `getsockopt(SO_RCVBUF)` reports it: twice what the kernel grants for datagrams (it counts
   * its bookkeeping too, socket(7)); 0 when it cannot be read.
   */
  readonly receiveBuffer: number;
}

/**
 * The receive buffer the fast path asks for: 4 MiB, as the C reference relay does. The kernel's
 * default (`net.core.rmem_default`, 212,992 bytes) holds about 400 small datagrams: a burst that
 * arrives while the server sends a fan-out overflows it, and the kernel drops the rest. The kernel
 * caps the request at `net.core.rmem_max` (an unprivileged process cannot go over it).
 */
export const RECEIVE_BUFFER_BYTES = 4 * 1024 * 1024;
const INT_SIZE = 4;

/**
 * Prepares batched sending on `socket` and turns on its ICMP error queue, or says why it cannot
 * be (not Linux, no `--allow-ffi`, an IPv6 socket, the descriptor not found).
 */
export function attachFastUdp(socket: Deno.DatagramConn): FastUdp | string {
  const reason = unavailableReason();
  if (reason !== null) return reason;
  let libc: Libc;
  try {
    libc = openLibc();
  } catch (error) {
    return `libc cannot be loaded: ${(error as Error).message}`;
  }
  const fd = findUdpSocketFd(libc, socket.addr as Deno.NetAddr);
  if (fd === null) {
    libc.close();
    return "it supports IPv4 sockets only, and needs to find the socket's descriptor";
  }
  if (!enableErrorQueue(libc, fd)) {
    const errno = libc.errno();
    libc.close();
    return `IP_RECVERR cannot be set (errno ${errno})`;
  }
  return { libc, fd, receiveBuffer: enlargeReceiveBuffer(libc, fd) };
}

/**
 * Asks for a {@linkcode RECEIVE_BUFFER_BYTES} receive buffer on `fd` and returns what the socket
 * then reports (0 when it cannot be read). A refusal only leaves the default buffer: it is no
 * reason to give up the fast path.
 */
function enlargeReceiveBuffer(libc: Libc, fd: number): number {
  libc.symbols.setsockopt(fd, SOL_SOCKET, SO_RCVBUF, Int32Array.of(RECEIVE_BUFFER_BYTES), INT_SIZE);
  const size = new Int32Array(1);
  const length = Uint32Array.of(INT_SIZE);
  const read = libc.symbols.getsockopt(fd, SOL_SOCKET, SO_RCVBUF, size, length);
  return read === 0 ? size[0] : 0;
}

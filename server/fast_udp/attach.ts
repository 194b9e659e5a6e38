/**
 * Finding the descriptor of the socket Deno bound and preparing it for the fast path.
 *
 * @module
 */

import { enableErrorQueue } from "./error_queue.ts";
import { type Libc, openLibc, unavailableReason } from "./libc.ts";
import { findUdpSocketFd } from "./socket_fd.ts";

/** The server socket's descriptor and the library to send on it with. */
export interface FastUdp {
  /** libc, opened; close it after the last send. */
  readonly libc: Libc;
  /** The descriptor of the server's UDP socket (owned by Deno: never closed here). */
  readonly fd: number;
}

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
  return { libc, fd };
}

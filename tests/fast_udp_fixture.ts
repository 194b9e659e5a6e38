/**
 * What the `--fast-udp` tests share: whether they can run here, and a UDP socket with its file
 * descriptor and libc, released by `using`.
 *
 * @module
 */

import { type Libc, openLibc, unavailableReason } from "../server/fast_udp/libc.ts";
import { findUdpSocketFd } from "../server/fast_udp/socket_fd.ts";

/** The fast path runs only on Linux with --allow-ffi; elsewhere its tests are skipped. */
export const ignoreFastUdp = unavailableReason() !== null;

/** A loopback UDP socket as Deno opened it, its descriptor found through libc. */
export interface FastSocket extends Disposable {
  socket: Deno.DatagramConn;
  libc: Libc;
  fd: number | null;
}

/** Opens a UDP socket on 127.0.0.1 and finds its descriptor; `using` closes both. */
export function fastSocket(): FastSocket {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port: 0 });
  const libc = openLibc();
  const fd = findUdpSocketFd(libc, socket.addr as Deno.NetAddr);
  return {
    socket,
    libc,
    fd,
    [Symbol.dispose]() {
      socket.close();
      libc.close();
    },
  };
}

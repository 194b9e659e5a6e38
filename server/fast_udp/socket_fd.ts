/**
 * Finds the file descriptor behind a `Deno.DatagramConn`, which Deno does not expose, by asking
 * each descriptor of the process what it is bound to. The batched sender sends on that very
 * socket, so replies keep the server's source port and no second socket shares the port.
 *
 * @module
 */

import { AF_INET, type Libc, SO_TYPE, SOCK_DGRAM, SOL_SOCKET } from "./libc.ts";
import { ipv4Word } from "./sockaddr.ts";

/** Descriptors examined; a freshly started server's socket is among the first. */
const MAX_FD = 4_096;
const SOCKADDR_STORAGE_SIZE = 128;
const INT_SIZE = 4;

/**
 * The descriptor of the IPv4 UDP socket bound to `address`, or null when there is none or more
 * than one (then nobody can tell which is the server's).
 */
export function findUdpSocketFd(libc: Libc, address: Deno.NetAddr): number | null {
  const wantedAddress = ipv4Word(address.hostname);
  if (wantedAddress === null) return null;
  const name = new Uint8Array(SOCKADDR_STORAGE_SIZE);
  const nameView = new DataView(name.buffer);
  const length = new Uint32Array(1);
  const type = new Int32Array(1);
  const typeLength = new Uint32Array(1);
  let found: number | null = null;
  for (let fd = 0; fd < MAX_FD; fd++) {
    length[0] = SOCKADDR_STORAGE_SIZE;
    if (libc.symbols.getsockname(fd, name, length) !== 0) continue;
    if (nameView.getUint16(0, true) !== AF_INET) continue;
    // sockaddr_in: the port (network order) at 2, the address at 4.
    if (nameView.getUint16(2, false) !== address.port) continue;
    if (nameView.getUint32(4, true) !== wantedAddress) continue;
    typeLength[0] = INT_SIZE;
    if (libc.symbols.getsockopt(fd, SOL_SOCKET, SO_TYPE, type, typeLength) !== 0) continue;
    if (type[0] !== SOCK_DGRAM) continue;
    if (found !== null) return null;
    found = fd;
  }
  return found;
}

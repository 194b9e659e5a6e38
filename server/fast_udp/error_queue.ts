/**
 * ICMP errors for the datagrams the server sent, read from the socket's error queue (Linux
 * `IP_RECVERR`, ip(7)). An unconnected UDP socket otherwise never hears that a peer's port is
 * closed; with the option, each ICMP "unreachable" that comes back is queued with the address the
 * failed datagram was sent to, and is read without blocking by `recvmsg(MSG_ERRQUEUE)`.
 *
 * @module
 */

import { Errno, IP_RECVERR, type Libc, MSG_DONTWAIT, MSG_ERRQUEUE, SOL_IP } from "./libc.ts";
import {
  addressOf,
  IOV_LEN,
  IOVEC_SIZE,
  MSG_CONTROL,
  MSG_CONTROLLEN,
  MSG_IOV,
  MSG_IOVLEN,
  MSG_NAME,
  MSG_NAMELEN,
  portOf,
  SOCKADDR_IN_SIZE,
  WORD,
  writePointer,
} from "./mmsghdr.ts";
import { dottedQuad } from "./sockaddr.ts";

/** Told of each destination an ICMP error said cannot be reached, with that error's errno. */
export type UnreachableHandler = (hostname: string, port: number, errno: number) => void;

/** Errors taken per {@link ErrorQueue.drain} at most, so that a flood of ICMP cannot hog a tick. */
export const MAX_ERRORS_PER_DRAIN = 256;

/** `SO_EE_ORIGIN_ICMP` (<linux/errqueue.h>): the error came in an ICMP message. */
const SO_EE_ORIGIN_ICMP = 2;
/** The errno values of ICMP errors that mean the datagram cannot reach its destination. */
const UNREACHABLE_ERRNOS: ReadonlySet<number> = new Set([
  Errno.ECONNREFUSED,
  Errno.EHOSTUNREACH,
  Errno.ENETUNREACH,
]);
const INT_SIZE = 4;

/**
 * Where the pieces lie in the native buffer: a `struct msghdr` (56 bytes, 8 more for alignment), the destination's
 * `sockaddr_in`, one iovec, room for the control messages, and a few bytes of the returned
 * datagram (only its existence matters: the rest is cut, which the kernel allows).
 */
const MSGHDR_BYTES = 64;
const NAME_OFFSET = MSGHDR_BYTES;
const IOV_OFFSET = NAME_OFFSET + SOCKADDR_IN_SIZE;
const CONTROL_OFFSET = IOV_OFFSET + IOVEC_SIZE;
/** One `IP_RECVERR` message: a cmsghdr (16), sock_extended_err (16), the offender (16); twice. */
const CONTROL_BYTES = 96;
const DATA_OFFSET = CONTROL_OFFSET + CONTROL_BYTES;
const DATA_BYTES = 32;
/**
 * The buffer's total size. Above V8's 64-byte limit for typed arrays kept inside its moving
 * heap, so the native addresses written in the header stay valid.
 */
const BUFFER_BYTES = DATA_OFFSET + DATA_BYTES;

/** `struct cmsghdr`: `cmsg_len` (size_t), `cmsg_level`, `cmsg_type`, then the data, 8-aligned. */
const CMSG_LEVEL = 8;
const CMSG_TYPE = 12;
const CMSG_DATA = 16;
const CMSG_ALIGN = 8;
/** `struct sock_extended_err`: `ee_errno` (u32), then `ee_origin` (u8). */
const EE_ERRNO = 0;
const EE_ORIGIN = 4;

/**
 * Turns on `IP_RECVERR` on the IPv4 UDP socket `fd`; false when the system refuses. From then
 * on a pending ICMP error also fails the socket's next send or receive once (`MmsgSender` and
 * `MmsgReceiver` try again; Deno's `receive` rejects once and the loop goes on).
 */
export function enableErrorQueue(libc: Libc, fd: number): boolean {
  return libc.symbols.setsockopt(fd, SOL_IP, IP_RECVERR, Int32Array.of(1), INT_SIZE) === 0;
}

/** Reads the error queue of one socket. */
export class ErrorQueue {
  readonly #libc: Libc;
  readonly #fd: number;
  readonly #bytes = new Uint8Array(BUFFER_BYTES);
  readonly #view = new DataView(this.#bytes.buffer);
  readonly #words = new Uint32Array(this.#bytes.buffer);

  /** Prepares reading the error queue of `fd`, on which {@link enableErrorQueue} succeeded. */
  constructor(libc: Libc, fd: number) {
    this.#libc = libc;
    this.#fd = fd;
    const base = addressOf(this.#bytes);
    writePointer(this.#words, MSG_NAME, base + NAME_OFFSET);
    writePointer(this.#words, MSG_IOV, base + IOV_OFFSET);
    this.#words[MSG_IOVLEN / WORD] = 1;
    writePointer(this.#words, MSG_CONTROL, base + CONTROL_OFFSET);
    writePointer(this.#words, IOV_OFFSET, base + DATA_OFFSET);
    this.#words[(IOV_OFFSET + IOV_LEN) / WORD] = DATA_BYTES;
  }

  /**
   * Takes the queued errors (up to {@link MAX_ERRORS_PER_DRAIN}) without waiting and hands each
   * ICMP "port, host or network unreachable" to `handle`; other errors are taken and ignored.
   * Returns how many errors were taken.
   */
  drain(handle: UnreachableHandler): number {
    const words = this.#words;
    let taken = 0;
    while (taken < MAX_ERRORS_PER_DRAIN) {
      // The kernel writes the sizes it used: both are set again before each call.
      words[MSG_NAMELEN / WORD] = SOCKADDR_IN_SIZE;
      words[MSG_CONTROLLEN / WORD] = CONTROL_BYTES;
      words[MSG_CONTROLLEN / WORD + 1] = 0;
      const result = this.#libc.symbols.recvmsg(this.#fd, this.#bytes, MSG_ERRQUEUE | MSG_DONTWAIT);
      if (result < 0) {
        if (this.#libc.errno() === Errno.EINTR) continue;
        // EAGAIN: the queue is empty.
        return taken;
      }
      taken += 1;
      const errno = this.#unreachableErrno(words[MSG_CONTROLLEN / WORD]);
      if (errno === null || words[MSG_NAMELEN / WORD] < SOCKADDR_IN_SIZE) continue;
      const name = NAME_OFFSET / WORD;
      handle(dottedQuad(words[name + 1]), portOf(words[name]), errno);
    }
    return taken;
  }

  /** The errno of the `IP_RECVERR` message among `length` bytes of control, if it is wanted. */
  #unreachableErrno(length: number): number | null {
    const view = this.#view;
    for (let offset = 0; offset + CMSG_DATA <= length;) {
      const cmsgLength = view.getUint32(CONTROL_OFFSET + offset, true);
      if (cmsgLength < CMSG_DATA) return null;
      const at = CONTROL_OFFSET + offset;
      if (
        view.getInt32(at + CMSG_LEVEL, true) === SOL_IP &&
        view.getInt32(at + CMSG_TYPE, true) === IP_RECVERR &&
        offset + CMSG_DATA + EE_ORIGIN < length
      ) {
        const errno = view.getUint32(at + CMSG_DATA + EE_ERRNO, true);
        const origin = view.getUint8(at + CMSG_DATA + EE_ORIGIN);
        return origin === SO_EE_ORIGIN_ICMP && UNREACHABLE_ERRNOS.has(errno) ? errno : null;
      }
      offset += (cmsgLength + CMSG_ALIGN - 1) & ~(CMSG_ALIGN - 1);
    }
    return null;
  }
}

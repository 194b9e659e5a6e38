/**
 * Takes the datagrams already waiting on a socket with one `recvmmsg(2)` call, without waiting
 * for more. The server's receive loop still awaits Deno's `receive()` to learn that something
 * arrived; it then drains the backlog here, a batch per system call instead of an op each.
 *
 * @module
 */

import { Errno, type Libc, MSG_DONTWAIT, MSG_TRUNC } from "./libc.ts";
import {
  addressOf,
  IOV_LEN,
  IOVEC_SIZE,
  linkHeaders,
  MMSGHDR_SIZE,
  MSG_FLAGS,
  MSG_LEN,
  MSG_NAMELEN,
  portOf,
  SOCKADDR_IN_SIZE,
  WORD,
  writePointer,
} from "./mmsghdr.ts";
import { dottedQuad } from "./sockaddr.ts";

/** Datagrams taken per `recvmmsg` call at most. */
export const RECEIVE_SLOTS = 64;
/** Distinct source addresses whose text form is kept; the cache restarts beyond that. */
const MAX_CACHED_HOSTS = 4_096;

/** Called with each datagram taken; `bytes` is valid only during the call. */
export type ReceivedHandler = (bytes: Uint8Array, hostname: string, port: number) => void;

/** The receive batch of one socket. */
export class MmsgReceiver {
  readonly #libc: Libc;
  readonly #fd: number;
  readonly #slotSize: number;
  readonly #bytes: Uint8Array;
  readonly #words: Uint32Array;
  readonly #iovOffset: number;
  readonly #sockaddrOffset: number;
  readonly #arenaOffset: number;
  readonly #hosts = new Map<number, string>();

  /**
   * Prepares `RECEIVE_SLOTS` buffers of `slotSize` bytes on the IPv4 UDP socket `fd`. A datagram
   * longer than `slotSize` is cut to it (and flagged), as Deno's `receive` does.
   */
  constructor(libc: Libc, fd: number, slotSize: number) {
    this.#libc = libc;
    this.#fd = fd;
    this.#slotSize = slotSize;
    this.#iovOffset = MMSGHDR_SIZE * RECEIVE_SLOTS;
    this.#sockaddrOffset = this.#iovOffset + IOVEC_SIZE * RECEIVE_SLOTS;
    this.#arenaOffset = this.#sockaddrOffset + SOCKADDR_IN_SIZE * RECEIVE_SLOTS;
    this.#bytes = new Uint8Array(this.#arenaOffset + slotSize * RECEIVE_SLOTS);
    this.#words = new Uint32Array(this.#bytes.buffer);
    const base = addressOf(this.#bytes);
    linkHeaders(this.#words, base, RECEIVE_SLOTS, this.#iovOffset, this.#sockaddrOffset);
    for (let slot = 0; slot < RECEIVE_SLOTS; slot++) {
      const iov = this.#iovOffset + slot * IOVEC_SIZE;
      writePointer(this.#words, iov, base + this.#arenaOffset + slot * slotSize);
      this.#words[(iov + IOV_LEN) / WORD] = slotSize;
    }
  }

  /**
   * Takes up to {@link RECEIVE_SLOTS} waiting datagrams and hands each to `handle`; returns how
   * many it took (0 when none was waiting). A truncated datagram arrives with `slotSize` bytes.
   * A pending socket error (with `IP_RECVERR`, an ICMP error for an earlier send) fails one call
   * and is cleared by it while datagrams may still wait behind it: the call is then made again.
   */
  receive(handle: ReceivedHandler): number {
    const words = this.#words;
    for (let slot = 0; slot < RECEIVE_SLOTS; slot++) {
      words[(slot * MMSGHDR_SIZE + MSG_NAMELEN) / WORD] = SOCKADDR_IN_SIZE;
    }
    let count: number;
    let errorCleared = false;
    for (;;) {
      count = this.#libc.symbols.recvmmsg(this.#fd, this.#bytes, RECEIVE_SLOTS, MSG_DONTWAIT, null);
      if (count >= 0) break;
      const errno = this.#libc.errno();
      if (errno === Errno.EINTR) continue;
      if (errno === Errno.EAGAIN || errorCleared) return 0;
      errorCleared = true;
    }
    if (count === 0) return 0;
    for (let slot = 0; slot < count; slot++) {
      const header = (slot * MMSGHDR_SIZE) / WORD;
      const flags = words[header + MSG_FLAGS / WORD];
      const length = (flags & MSG_TRUNC) !== 0 ? this.#slotSize : words[header + MSG_LEN / WORD];
      const name = (this.#sockaddrOffset + slot * SOCKADDR_IN_SIZE) / WORD;
      const start = this.#arenaOffset + slot * this.#slotSize;
      handle(
        this.#bytes.subarray(start, start + length),
        this.#hostname(words[name + 1]),
        portOf(words[name]),
      );
    }
    return count;
  }

  /** The dotted form of an IPv4 address word, made once per address. */
  #hostname(word: number): string {
    let host = this.#hosts.get(word);
    if (host === undefined) {
      if (this.#hosts.size >= MAX_CACHED_HOSTS) this.#hosts.clear();
      host = dottedQuad(word);
      this.#hosts.set(word, host);
    }
    return host;
  }
}

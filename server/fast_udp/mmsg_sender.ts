/**
 * Sends many datagrams per system call with Linux `sendmmsg(2)`. One reused native buffer holds
 * the `mmsghdr` vector, an `iovec` and a `sockaddr_in` per slot, and an arena for the payloads:
 * a payload is copied there once and every slot sending it points at the same bytes.
 *
 * @module
 */

import { AF_INET, Errno, type Libc, MSG_DONTWAIT } from "./libc.ts";
import {
  addressOf,
  familyAndPort,
  IOV_LEN,
  IOVEC_SIZE,
  linkHeaders,
  MMSGHDR_SIZE,
  SOCKADDR_IN_SIZE,
  WORD,
  writePointer,
} from "./mmsghdr.ts";
import { PORT_SPACE } from "./sockaddr.ts";

/** Datagrams per `sendmmsg` call at most (the kernel's UIO_MAXIOV is 1024). */
export const BATCH_SLOTS = 1_024;
/** Bytes of payload one batch may carry; a payload that does not fit starts the next batch. */
export const ARENA_BYTES = 256 * 1_024;

/** Told whether each datagram went out, with the tag it was added with. */
export type SentListener<Tag> = (tag: Tag, delivered: boolean) => void;

const PAYLOAD_ALIGN = 8;
/** Where the pieces lie in the native buffer. */
const IOV_BASE_OFFSET = MMSGHDR_SIZE * BATCH_SLOTS;
const SOCKADDR_OFFSET = IOV_BASE_OFFSET + IOVEC_SIZE * BATCH_SLOTS;
const ARENA_OFFSET = SOCKADDR_OFFSET + SOCKADDR_IN_SIZE * BATCH_SLOTS;
const BUFFER_SIZE = ARENA_OFFSET + ARENA_BYTES;

/**
 * A batch being filled and sent on one socket. Not thread-safe; one per socket and thread.
 * Hard per-datagram errors (e.g. EMSGSIZE, EPERM, ENETUNREACH) are detected: `sendmmsg` stops at
 * the failing datagram, the retry starting there fails with its errno, and that datagram is
 * reported failed. ICMP errors that arrive later (port unreachable) are not this sender's to
 * report: with `IP_RECVERR` they wait in the socket's error queue (see `ErrorQueue`).
 */
export class MmsgSender<Tag> {
  readonly #libc: Libc;
  readonly #fd: number;
  readonly #onSent: SentListener<Tag>;
  readonly #bytes: Uint8Array;
  readonly #words: Uint32Array;
  readonly #base: number;
  /** The tag of each slot's datagram, for its report; cleared once reported. */
  readonly #tags: (Tag | undefined)[] = new Array(BATCH_SLOTS).fill(undefined);
  /** Slots filled so far, and the first one not yet sent (after a blocked flush). */
  #filled = 0;
  #sent = 0;
  #arenaUsed = 0;
  /** The slot whose send failed once and was tried again, or -1. */
  #retried = -1;
  /** True once a call failed with a socket error (e.g. a pending ICMP error), until taken. */
  #errorSeen = false;

  /** Prepares a sender on the socket `fd`; `onSent` hears of every datagram's outcome. */
  constructor(libc: Libc, fd: number, onSent: SentListener<Tag>) {
    this.#libc = libc;
    this.#fd = fd;
    this.#onSent = onSent;
    this.#bytes = new Uint8Array(BUFFER_SIZE);
    this.#words = new Uint32Array(this.#bytes.buffer);
    this.#base = addressOf(this.#bytes);
    linkHeaders(this.#words, this.#base, BATCH_SLOTS, IOV_BASE_OFFSET, SOCKADDR_OFFSET);
  }

  /** True when the batch has no free slot left: flush before adding. */
  get full(): boolean {
    return this.#filled === BATCH_SLOTS;
  }

  /** Datagrams in the batch not sent yet. */
  get unsent(): number {
    return this.#filled - this.#sent;
  }

  /**
   * Copies `payload` into the batch's arena and returns its offset there, or -1 when the arena
   * has no room for it (flush, then try again).
   */
  stage(payload: Uint8Array): number {
    const offset = this.#arenaUsed;
    if (offset + payload.length > ARENA_BYTES) return -1;
    this.#bytes.set(payload, ARENA_OFFSET + offset);
    // Payloads start 8-byte aligned, which the kernel's copy prefers.
    this.#arenaUsed = offset + ((payload.length + PAYLOAD_ALIGN - 1) & ~(PAYLOAD_ALIGN - 1));
    return offset;
  }

  /**
   * Adds a datagram of the staged payload at `offset` (`length` bytes) for `sockaddr` (an address
   * packed by `packedSockaddr`); `tag` comes back with its report. The batch must not be
   * {@link full}.
   */
  add(offset: number, length: number, sockaddr: number, tag: Tag): void {
    const slot = this.#filled++;
    const iov = IOV_BASE_OFFSET + slot * IOVEC_SIZE;
    writePointer(this.#words, iov, this.#base + ARENA_OFFSET + offset);
    this.#words[(iov + IOV_LEN) / WORD] = length;
    const port = sockaddr % PORT_SPACE;
    const name = (SOCKADDR_OFFSET + slot * SOCKADDR_IN_SIZE) / WORD;
    this.#words[name] = familyAndPort(AF_INET, port);
    this.#words[name + 1] = (sockaddr - port) / PORT_SPACE;
    this.#tags[slot] = tag;
  }

  /**
   * Sends what the batch holds. True when every datagram was handed to the kernel or failed for
   * good (the batch is empty again); false when the socket's send buffer is full and the rest
   * waits for a later flush.
   */
  flush(): boolean {
    const { sendmmsg } = this.#libc.symbols;
    while (this.#sent < this.#filled) {
      const count = this.#filled - this.#sent;
      const vector = this.#sent === 0
        ? this.#bytes
        : this.#bytes.subarray(this.#sent * MMSGHDR_SIZE);
      const sent = sendmmsg(this.#fd, vector, count, MSG_DONTWAIT);
      if (sent > 0) {
        this.#report(sent, true);
        continue;
      }
      const errno = this.#libc.errno();
      if (errno === Errno.EINTR) continue;
      if (errno === Errno.EAGAIN || errno === Errno.ENOBUFS) return false;
      // A pending socket error (an ICMP error for an earlier datagram, kept by IP_RECVERR) fails
      // the next call once and is cleared by it: only a datagram refused twice is refused.
      this.#errorSeen = true;
      if (this.#retried !== this.#sent) {
        this.#retried = this.#sent;
        continue;
      }
      // The first unsent datagram itself is refused: report it and go on with the next.
      this.#report(1, false);
    }
    this.#reset();
    return true;
  }

  /**
   * True when a send failed with a socket error since the last call: the socket's error queue
   * (`IP_RECVERR`) then likely holds something to read.
   */
  takeErrorSeen(): boolean {
    const seen = this.#errorSeen;
    this.#errorSeen = false;
    return seen;
  }

  /** Forgets the batch unsent (the socket is closing). */
  clear(): void {
    this.#tags.fill(undefined);
    this.#reset();
  }

  #reset(): void {
    this.#filled = 0;
    this.#sent = 0;
    this.#arenaUsed = 0;
    this.#retried = -1;
  }

  #report(count: number, delivered: boolean): void {
    const end = this.#sent + count;
    for (let slot = this.#sent; slot < end; slot++) {
      const tag = this.#tags[slot] as Tag;
      this.#tags[slot] = undefined;
      this.#onSent(tag, delivered);
    }
    this.#sent = end;
  }
}

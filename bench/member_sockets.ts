/**
 * The UDP sockets of one worker's simulated members, driven through libc (Linux, `--allow-ffi`)
 * so that the load generator costs little per datagram, batched as the server's fast path is:
 * one `epoll_wait` says which sockets have datagrams, one `recvmmsg(2)` per ready socket takes up
 * to {@link RECEIVE_SLOTS} of them into one preallocated arena, and each is handed over in
 * place, without a copy or an object per datagram.
 *
 * `epoll_wait` blocks the calling thread: a worker's thread does nothing else, and waking it
 * costs one system call. (Declared `nonblocking`, the wait ran on a thread of Deno's pool and
 * woke the worker through a promise: with datagrams trickling in over many sockets that was a
 * thread hop per datagram or two, and the generator spent as much CPU per delivery as the
 * server.) Each
 * member sends from its own socket with a one-message `sendmmsg(2)`, its datagram written in
 * place in its slot of a send arena.
 *
 * @module
 */

import { MAX_EVENT_SIZE } from "../protocol/mod.ts";
import {
  AF_INET,
  EPOLL_CTL_ADD,
  EPOLLIN,
  type Libc,
  MSG_DONTWAIT,
  MSG_TRUNC,
  openLibc,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  unavailableReason,
} from "../server/fast_udp/libc.ts";
import {
  addressOf,
  EPOLL_DATA,
  EPOLL_EVENT_SIZE,
  familyAndPort,
  IOV_LEN,
  IOVEC_SIZE,
  linkHeaders,
  MMSGHDR_SIZE,
  MSG_FLAGS,
  MSG_LEN,
  portOf,
  SOCKADDR_IN_SIZE,
  WORD,
  writePointer,
} from "../server/fast_udp/mmsghdr.ts";
import { ipv4Word } from "../server/fast_udp/sockaddr.ts";
import { BusyMeter } from "./busy_meter.ts";

/** Datagrams taken per `recvmmsg` call at most. */
const RECEIVE_SLOTS = 64;
/** Room for the largest datagram a server sends: long join notices come close to it. */
const SLOT_SIZE = MAX_EVENT_SIZE;
/** Batches taken from one ready socket before the next one's turn. */
const MAX_BATCHES_PER_SOCKET = 8;
/** Ready sockets reported per `epoll_wait`. */
const MAX_EVENTS = 256;
const LOOPBACK = "127.0.0.1";
/**
 * Bytes of the send arena per member: the largest standard datagram (room name and token of
 * 255 bytes at most, and the chat text) and a sealed chat command fit.
 */
export const SEND_SLOT_SIZE = 1024;
/** The send arena's one header, its iovec and the server's address, before the slots. */
const SEND_IOV = MMSGHDR_SIZE;
const SEND_SOCKADDR = SEND_IOV + IOVEC_SIZE;
const SEND_SLOTS = SEND_SOCKADDR + SOCKADDR_IN_SIZE;

/**
 * Called with each datagram member `member` received: it is `bytes[start, end)`, valid only
 * during the call (the arena is reused by the next batch).
 */
export type DatagramHandler = (
  member: number,
  bytes: Uint8Array,
  start: number,
  end: number,
) => void;

/** Why the generator cannot run here, as one sentence; null when it can. */
export function generatorUnavailable(): string | null {
  const reason = unavailableReason();
  return reason === null
    ? null
    : `The benchmark's load generator drives its sockets through libc (Linux, --allow-ffi): ${reason}`;
}

/** One worker's member sockets, their receive loop and their sends. */
export class MemberSockets {
  /** Each member's local UDP port, by member index. */
  readonly ports: readonly number[];
  /**
   * Where members write what they send: member `m`'s datagram goes at {@link sendSlot}(m), at
   * most {@link SEND_SLOT_SIZE} bytes.
   */
  readonly sendArena: Uint8Array;
  readonly #sendWords: Uint32Array;
  readonly #sendBase: number;
  readonly #libc: Libc;
  readonly #fds: Int32Array;
  readonly #epoll: number;
  readonly #arena: Uint8Array;
  readonly #words: Uint32Array;
  readonly #events: Uint8Array;
  readonly #eventView: DataView;
  /** The share of the time this thread is not blocked in {@link poll}. */
  readonly busy = new BusyMeter();
  readonly #onDatagram: DatagramHandler;
  /** Each member's server port (its node of a cluster), by member index. */
  readonly #serverPorts: readonly number[];
  /** The port the send arena's server address holds now. */
  #addressedPort: number;
  #closed = false;

  /**
   * Opens `count` non-blocking sockets on 127.0.0.1 (each its own port), all sending to
   * `serverHost:serverPort`, or member `m` to `serverHost:serverPort[m]` (its node of a cluster);
   * {@link poll} takes what they receive.
   *
   * @throws {Error} when a socket cannot be opened or bound, or libc cannot be loaded.
   */
  constructor(
    count: number,
    serverHost: string,
    serverPort: number | readonly number[],
    onDatagram: DatagramHandler,
  ) {
    const unavailable = generatorUnavailable();
    if (unavailable !== null) throw new Error(unavailable);
    const server = ipv4Word(serverHost);
    if (server === null) throw new Error(`The server must be an IPv4 address, not ${serverHost}`);
    this.#libc = openLibc();
    this.#onDatagram = onDatagram;
    this.#serverPorts = typeof serverPort === "number"
      ? new Array(count).fill(serverPort)
      : serverPort;
    this.#addressedPort = this.#serverPorts[0] ?? 0;
    this.sendArena = new Uint8Array(SEND_SLOTS + count * SEND_SLOT_SIZE);
    this.#sendWords = new Uint32Array(this.sendArena.buffer);
    this.#sendBase = addressOf(this.sendArena);
    linkHeaders(this.#sendWords, this.#sendBase, 1, SEND_IOV, SEND_SOCKADDR);
    this.sendArena.set(sockaddrIn(server, this.#addressedPort), SEND_SOCKADDR);
    const base = RECEIVE_SLOTS * (MMSGHDR_SIZE + IOVEC_SIZE + SOCKADDR_IN_SIZE);
    this.#arena = new Uint8Array(base + RECEIVE_SLOTS * SLOT_SIZE);
    this.#words = new Uint32Array(this.#arena.buffer);
    this.#linkArena();
    this.#events = new Uint8Array(MAX_EVENTS * EPOLL_EVENT_SIZE);
    this.#eventView = new DataView(this.#events.buffer);
    this.#fds = new Int32Array(count).fill(-1);
    this.#epoll = this.#libc.symbols.epoll_create1(SOCK_CLOEXEC);
    try {
      if (this.#epoll < 0) throw new Error(`epoll_create1 failed: errno ${this.#libc.errno()}`);
      this.ports = Array.from({ length: count }, (_, member) => this.#openSocket(member));
    } catch (error) {
      this.#closeDescriptors();
      this.#libc.close();
      throw error;
    }
  }

  /** Where member `member`'s datagram starts in {@link sendArena}. */
  sendSlot(member: number): number {
    return SEND_SLOTS + member * SEND_SLOT_SIZE;
  }

  /**
   * Sends the first `length` bytes of member `member`'s send slot from its socket to the server;
   * false when the kernel refused it (its send buffer full, or an error).
   */
  send(member: number, length: number): boolean {
    const port = this.#serverPorts[member];
    if (port !== this.#addressedPort) {
      this.#sendWords[SEND_SOCKADDR / WORD] = familyAndPort(AF_INET, port);
      this.#addressedPort = port;
    }
    writePointer(this.#sendWords, SEND_IOV, this.#sendBase + this.sendSlot(member));
    this.#sendWords[(SEND_IOV + IOV_LEN) / WORD] = length;
    return this.#libc.symbols.sendmmsg(this.#fds[member], this.sendArena, 1, MSG_DONTWAIT) === 1;
  }

  /**
   * Waits up to `timeoutMs` (0: not at all) for datagrams, blocking this thread, and hands every
   * datagram then waiting to the handler; returns how many sockets were ready.
   */
  poll(timeoutMs: number): number {
    const waitStart = performance.now();
    const ready = this.#libc.symbols.epoll_wait(this.#epoll, this.#events, MAX_EVENTS, timeoutMs);
    if (timeoutMs > 0) this.busy.addWait(performance.now() - waitStart);
    // Below 0: interrupted by a signal (EINTR); the caller polls again.
    for (let i = 0; i < ready; i++) {
      this.#drain(this.#eventView.getUint32(i * EPOLL_EVENT_SIZE + EPOLL_DATA, true));
    }
    return Math.max(ready, 0);
  }

  /** Closes every socket. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeDescriptors();
    this.#libc.close();
  }

  /** Binds member `member`'s socket to 127.0.0.1 port 0, watches it, and returns its port. */
  #openSocket(member: number): number {
    const { symbols } = this.#libc;
    const fd = symbols.socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) throw new Error(`socket failed: errno ${this.#libc.errno()}`);
    this.#fds[member] = fd;
    const local = sockaddrIn(ipv4Word(LOOPBACK)!, 0);
    if (symbols.bind(fd, local, SOCKADDR_IN_SIZE) !== 0) {
      throw new Error(`bind to ${LOOPBACK} failed: errno ${this.#libc.errno()}`);
    }
    const length = new Uint32Array([SOCKADDR_IN_SIZE]);
    if (symbols.getsockname(fd, local, length) !== 0) {
      throw new Error(`getsockname failed: errno ${this.#libc.errno()}`);
    }
    const event = new Uint8Array(EPOLL_EVENT_SIZE);
    const view = new DataView(event.buffer);
    view.setUint32(0, EPOLLIN, true);
    view.setUint32(EPOLL_DATA, member, true);
    if (symbols.epoll_ctl(this.#epoll, EPOLL_CTL_ADD, fd, event) !== 0) {
      throw new Error(`epoll_ctl failed: errno ${this.#libc.errno()}`);
    }
    return portOf(new Uint32Array(local.buffer)[0]);
  }

  /** Points each header of the arena at its own iovec, and each iovec at its own slot. */
  #linkArena(): void {
    const iovOffset = RECEIVE_SLOTS * MMSGHDR_SIZE;
    const sockaddrOffset = iovOffset + RECEIVE_SLOTS * IOVEC_SIZE;
    const slotsOffset = sockaddrOffset + RECEIVE_SLOTS * SOCKADDR_IN_SIZE;
    const base = addressOf(this.#arena);
    linkHeaders(this.#words, base, RECEIVE_SLOTS, iovOffset, sockaddrOffset);
    for (let slot = 0; slot < RECEIVE_SLOTS; slot++) {
      const iov = iovOffset + slot * IOVEC_SIZE;
      writePointer(this.#words, iov, base + slotsOffset + slot * SLOT_SIZE);
      this.#words[(iov + IOV_LEN) / WORD] = SLOT_SIZE;
    }
  }

  /** Takes what waits on member `member`'s socket, a batch at a time, and hands it over. */
  #drain(member: number): void {
    const words = this.#words;
    const slotsOffset = RECEIVE_SLOTS * (MMSGHDR_SIZE + IOVEC_SIZE + SOCKADDR_IN_SIZE);
    for (let batch = 0; batch < MAX_BATCHES_PER_SOCKET; batch++) {
      const count = this.#libc.symbols.recvmmsg(
        this.#fds[member],
        this.#arena,
        RECEIVE_SLOTS,
        MSG_DONTWAIT,
        null,
      );
      // Below 0: nothing waits (EAGAIN) or the call failed; epoll says when to look again.
      for (let slot = 0; slot < count; slot++) {
        const header = (slot * MMSGHDR_SIZE) / WORD;
        const truncated = (words[header + MSG_FLAGS / WORD] & MSG_TRUNC) !== 0;
        const length = truncated ? SLOT_SIZE : words[header + MSG_LEN / WORD];
        const start = slotsOffset + slot * SLOT_SIZE;
        this.#onDatagram(member, this.#arena, start, start + length);
      }
      if (count < RECEIVE_SLOTS) return;
    }
  }

  #closeDescriptors(): void {
    for (const fd of this.#fds) if (fd >= 0) this.#libc.symbols.close(fd);
    this.#fds.fill(-1);
    if (this.#epoll >= 0) this.#libc.symbols.close(this.#epoll);
  }
}

/** A `struct sockaddr_in` for IPv4 address word `address` (see `ipv4Word`) and `port`. */
function sockaddrIn(address: number, port: number): Uint8Array {
  const words = new Uint32Array(SOCKADDR_IN_SIZE / WORD);
  words[0] = familyAndPort(AF_INET, port);
  words[1] = address;
  return new Uint8Array(words.buffer);
}

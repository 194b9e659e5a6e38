/**
 * The send queue of the batched UDP path: what the state queues during one handler is sent
 * right after it, in a microtask, with one `sendmmsg` per up to 1,024 datagrams. Sending is then a
 * few synchronous system calls instead of one awaited op per datagram, and the receive loop's
 * next receive is already waiting when they run. The ICMP errors that come back for those
 * datagrams are read on a short timer, and at once when a send fails with a pending one.
 *
 * @module
 */

import {
  DEFAULT_SEND_QUEUE_BYTES,
  type FailureListener,
  FairQueue,
  type FlowKey,
  IdleSignal,
  type PeerAddress,
  type TakenDatagram,
} from "../udp/mod.ts";
import { ErrorQueue, type UnreachableHandler } from "./error_queue.ts";
import type { Libc } from "./libc.ts";
import { MmsgSender } from "./mmsg_sender.ts";
import { packedSockaddr } from "./sockaddr.ts";

/** How long to wait before retrying when the socket's send buffer is full. */
const BLOCKED_RETRY_MS = 1;
/**
 * Queued datagrams that are sent at once rather than after the handler: a batch receive can
 * handle many messages in one go, and a big room's fan-out must not pile up meanwhile.
 */
export const SEND_AT_ONCE_THRESHOLD = 4_096;
/**
 * How often the socket's error queue is read, besides after a send that failed with a pending
 * error: ICMP errors from a real network come back a round trip later, and queued errors take
 * room in the receive buffer.
 */
export const ERROR_POLL_INTERVAL_MS = 50;

/** What the taken datagram holds before the first take. */
const NO_ADDRESS: PeerAddress = { transport: "udp", hostname: "", port: 0 };

/**
 * A send queue that sends with `sendmmsg` on the socket `fd`. Only failures are reported: a
 * datagram the kernel took may still come back as an ICMP error, so taking it is no success.
 */
export class BatchSendQueue {
  readonly #sender: MmsgSender<PeerAddress>;
  readonly #onFailure: FailureListener;
  /** Queued datagrams, each tagged with its packed address (`packedSockaddr`). */
  readonly #queue: FairQueue;
  /** The datagram taken from the queue and not yet in the batch (`#held`), rewritten by each take. */
  readonly #taken: TakenDatagram = { bytes: new Uint8Array(0), address: NO_ADDRESS, tag: 0 };
  #held = false;
  /** The payload last staged in the batch's arena, and where: recipients of it share the copy. */
  #staged: Uint8Array | null = null;
  #stagedOffset = 0;
  #scheduled = false;
  /** True while sending: a delivery report that queues more is picked up by the same loop. */
  #sending = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  readonly #idle = new IdleSignal();
  #closed = false;
  readonly #errors: ErrorQueue | null;
  readonly #onUnreachable: UnreachableHandler;
  readonly #errorPoll: ReturnType<typeof setInterval> | undefined;

  /**
   * Sends on `fd` (a bound IPv4 UDP socket) through `libc`; `onFailure` hears of each datagram
   * refused. With `onUnreachable`, the socket's error queue (`IP_RECVERR`, already enabled) is
   * read and each destination an ICMP error declared unreachable is reported there. At most
   * `maxBytes` wait (see `FairQueue`).
   */
  constructor(
    libc: Libc,
    fd: number,
    onFailure: FailureListener = () => {},
    onUnreachable: UnreachableHandler | null = null,
    maxBytes: number = DEFAULT_SEND_QUEUE_BYTES,
  ) {
    this.#queue = new FairQueue(maxBytes);
    this.#onFailure = onFailure;
    this.#sender = new MmsgSender<PeerAddress>(libc, fd, (address, delivered) => {
      if (!delivered && !this.#closed) this.#onFailure(address);
    });
    this.#onUnreachable = onUnreachable ?? (() => {});
    this.#errors = onUnreachable === null ? null : new ErrorQueue(libc, fd);
    this.#errorPoll = onUnreachable === null
      ? undefined
      : setInterval(this.#readErrors, ERROR_POLL_INTERVAL_MS);
  }

  /** Datagrams dropped because the queue was full. */
  get dropped(): number {
    return this.#queue.dropped;
  }

  /** Datagrams queued and not yet handed to the kernel. */
  get pending(): number {
    return this.#queue.length + (this.#held ? 1 : 0) + this.#sender.unsent;
  }

  /**
   * Queues `bytes` for `address` in `flow` (the room; see `FairQueue`); a failure to send is
   * reported with `address`.
   */
  push(bytes: Uint8Array, address: PeerAddress, flow?: FlowKey): void {
    if (this.#closed) return;
    const sockaddr = packedSockaddr(address);
    if (sockaddr < 0) {
      // Not IPv4: this socket cannot reach it.
      this.#onFailure(address);
      return;
    }
    if (!this.#queue.push(bytes, address, sockaddr, flow)) return;
    if (this.#sending || this.#retry !== undefined) return;
    if (this.#queue.length >= SEND_AT_ONCE_THRESHOLD) {
      this.#flush();
    } else if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(this.#flush);
    }
  }

  /** Resolves once everything queued so far was sent, or after `timeoutMs`, whichever is first. */
  async drain(timeoutMs: number): Promise<void> {
    if (this.pending === 0) return;
    await this.#idle.wait(timeoutMs);
  }

  /** Drops what is queued and sends no more. Call before the socket closes: its fd is reused. */
  close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#errorPoll);
    clearTimeout(this.#retry);
    this.#retry = undefined;
    this.#queue.clear();
    this.#held = false;
    this.#staged = null;
    this.#sender.clear();
    this.#idle.notify();
    return Promise.resolve();
  }

  readonly #flush = (): void => {
    this.#scheduled = false;
    this.#retry = undefined;
    if (this.#closed || this.#sending) return;
    this.#sending = true;
    let done: boolean;
    try {
      done = this.#send();
    } finally {
      this.#sending = false;
    }
    if (this.#closed) return;
    if (!done) this.#retry = setTimeout(this.#flush, BLOCKED_RETRY_MS);
    // A send that failed with a socket error means ICMP errors are queued: read them now rather
    // than at the next poll. (Reading after every flush cost a system call per wakeup for
    // nothing.) What their reports queue (a member's departure) goes out with a later flush.
    if (this.#sender.takeErrorSeen()) this.#readErrors();
    if (this.pending === 0) this.#idle.notify();
  };

  /** Reports what the error queue holds; what that queues is sent by a later flush. */
  readonly #readErrors = (): void => {
    if (!this.#closed) this.#errors?.drain(this.#onUnreachable);
  };

  /** Sends everything queued; false when the socket would block (the rest stays queued). */
  #send(): boolean {
    for (;;) {
      if (!this.#flushBatch()) return false;
      // Reports of the last flush may have queued more: only an empty queue ends the loop.
      if (this.#queue.length === 0 && !this.#held) return true;
      this.#fill();
    }
  }

  /** Moves queued datagrams into the sender's batch, flushing each full batch. */
  #fill(): void {
    const sender = this.#sender;
    const taken = this.#taken;
    for (;;) {
      if (!this.#held) {
        if (!this.#queue.take(taken)) return;
        this.#held = true;
      }
      if (sender.full && !this.#flushBatch()) return;
      if (taken.bytes !== this.#staged) {
        let offset = sender.stage(taken.bytes);
        if (offset < 0) {
          if (!this.#flushBatch()) return;
          offset = sender.stage(taken.bytes);
        }
        this.#staged = taken.bytes;
        this.#stagedOffset = offset;
      }
      sender.add(this.#stagedOffset, taken.bytes.length, taken.tag, taken.address);
      this.#held = false;
    }
  }

  /** Sends the batch; a batch sent whole empties the arena, so nothing is staged any more. */
  #flushBatch(): boolean {
    if (!this.#sender.flush()) return false;
    this.#staged = null;
    return true;
  }
}

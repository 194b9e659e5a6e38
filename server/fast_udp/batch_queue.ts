/**
 * The send queue of the batched UDP path: what the state queues during one handler is sent
 * right after it, in a microtask, with one `sendmmsg` per up to 1,024 datagrams. Sending is then a
 * few synchronous system calls instead of one awaited op per datagram, and the receive loop's
 * next receive is already waiting when they run. The ICMP errors that come back for those
 * datagrams are read after each send and on a short timer.
 *
 * @module
 */

import {
  type FailureListener,
  IdleSignal,
  MAX_QUEUED_DATAGRAMS,
  type PeerAddress,
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
 * How often the socket's error queue is read besides after each send: ICMP errors from a real
 * network come back a round trip later, and queued errors take room in the receive buffer.
 */
export const ERROR_POLL_INTERVAL_MS = 50;

/** One payload and everyone it goes to: a chat message queues once, not once per recipient. */
interface Message {
  readonly bytes: Uint8Array;
  readonly sockaddrs: number[];
  readonly addresses: PeerAddress[];
}

/**
 * A send queue that sends with `sendmmsg` on the socket `fd`. Only failures are reported: a
 * datagram the kernel took may still come back as an ICMP error, so taking it is no success.
 */
export class BatchSendQueue {
  readonly #sender: MmsgSender<PeerAddress>;
  readonly #onFailure: FailureListener;
  #queue: Message[] = [];
  /** Index of the message being sent, and of its next recipient. */
  #head = 0;
  #cursor = 0;
  #queued = 0;
  #scheduled = false;
  /** True while sending: a delivery report that queues more is picked up by the same loop. */
  #sending = false;
  #retry: ReturnType<typeof setTimeout> | undefined;
  readonly #idle = new IdleSignal();
  #closed = false;
  #dropped = 0;
  readonly #errors: ErrorQueue | null;
  readonly #onUnreachable: UnreachableHandler;
  readonly #errorPoll: ReturnType<typeof setInterval> | undefined;

  /**
   * Sends on `fd` (a bound IPv4 UDP socket) through `libc`; `onFailure` hears of each datagram
   * refused. With `onUnreachable`, the socket's error queue (`IP_RECVERR`, already enabled) is
   * read and each destination an ICMP error declared unreachable is reported there.
   */
  constructor(
    libc: Libc,
    fd: number,
    onFailure: FailureListener = () => {},
    onUnreachable: UnreachableHandler | null = null,
  ) {
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
    return this.#dropped;
  }

  /** Datagrams queued and not yet handed to the kernel. */
  get pending(): number {
    return this.#queued + this.#sender.unsent;
  }

  /** Queues `bytes` for `address`; a failure to send is reported with `address`. */
  push(bytes: Uint8Array, address: PeerAddress): void {
    if (this.#closed) return;
    if (this.pending >= MAX_QUEUED_DATAGRAMS) {
      this.#dropped += 1;
      return;
    }
    const sockaddr = packedSockaddr(address);
    if (sockaddr < 0) {
      // Not IPv4: this socket cannot reach it.
      this.#onFailure(address);
      return;
    }
    let last = this.#queue.length > this.#head ? this.#queue[this.#queue.length - 1] : undefined;
    if (last?.bytes !== bytes) {
      last = { bytes, sockaddrs: [], addresses: [] };
      this.#queue.push(last);
    }
    last.sockaddrs.push(sockaddr);
    last.addresses.push(address);
    this.#queued += 1;
    if (this.#sending || this.#retry !== undefined) return;
    if (this.#queued >= SEND_AT_ONCE_THRESHOLD) {
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
    this.#queue = [];
    this.#head = 0;
    this.#cursor = 0;
    this.#queued = 0;
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
    // On loopback the ICMP error is queued before sendmmsg returns. What its report queues (the
    // member's departure) goes out with the retry or a new flush.
    this.#readErrors();
    if (this.pending === 0) this.#idle.notify();
  };

  /** Reports what the error queue holds; what that queues is sent by a later flush. */
  readonly #readErrors = (): void => {
    if (!this.#closed) this.#errors?.drain(this.#onUnreachable);
  };

  /** Sends everything queued; false when the socket would block (the rest stays queued). */
  #send(): boolean {
    const sender = this.#sender;
    for (;;) {
      if (!sender.flush()) return false;
      // Reports of the last flush may have queued more: only an empty queue ends the loop.
      if (this.#head >= this.#queue.length) {
        this.#queue = [];
        this.#head = 0;
        this.#cursor = 0;
        return true;
      }
      this.#fill();
    }
  }

  /** Moves queued datagrams into the sender's batch, flushing each full batch. */
  #fill(): void {
    const sender = this.#sender;
    while (this.#head < this.#queue.length) {
      const message = this.#queue[this.#head];
      const { bytes, sockaddrs, addresses } = message;
      let offset = sender.stage(bytes);
      while (this.#cursor < sockaddrs.length) {
        if (sender.full || offset < 0) {
          if (!sender.flush()) return;
          offset = sender.stage(bytes);
        }
        const index = this.#cursor++;
        sender.add(offset, bytes.length, sockaddrs[index], addresses[index]);
        this.#queued -= 1;
      }
      this.#head += 1;
      this.#cursor = 0;
    }
  }
}

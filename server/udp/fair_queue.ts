/**
 * The datagrams waiting to be sent, shared by both send queues: bounded in bytes, and fair
 * between flows (rooms), so that one room's huge fan-out neither delays nor crowds out the
 * others' messages.
 *
 * - **Bound.** Each queued datagram counts its payload's length plus
 *   {@linkcode ENTRY_OVERHEAD_BYTES}, once per recipient: the bound is on the bytes waiting to go
 *   on the wire, so it bounds the delay a queued datagram can see. (A payload queued for many
 *   recipients is one buffer in memory, so memory stays below the bound.)
 * - **Fairness.** Each flow has its own FIFO; flows with datagrams waiting are served in turn,
 *   {@linkcode TURN_DATAGRAMS} datagrams per turn (round robin).
 * - **Drops.** When a datagram does not fit, the flow holding the most bytes loses: a flow already
 *   over its fair share (the bound divided among the flows waiting) has its new datagram dropped;
 *   a flow under it makes room by dropping the newest datagrams of the largest flow. Every drop
 *   is counted in {@linkcode FairQueue.dropped}.
 *
 * @module
 */

import type { PeerAddress } from "./transport.ts";

/** The default bound (`--send-queue-bytes`): about 0.3 s of a 1 Gbit/s link. */
export const DEFAULT_SEND_QUEUE_BYTES = 32 * 1024 * 1024;
/**
 * What each queued datagram counts besides its payload: its share of the arrays that hold it, and
 * about the 28 bytes of IPv4 and UDP header it will carry on the wire.
 */
export const ENTRY_OVERHEAD_BYTES = 32;
/**
 * Datagrams a flow sends per turn. More than one, so that the fast path stages a shared payload
 * once for several recipients; few enough that a small room waits at most a few turns.
 */
export const TURN_DATAGRAMS = 16;

/**
 * What separates one flow from another: any object, compared by identity (the server passes the
 * room). Sends that name none share one flow.
 */
export type FlowKey = object;

/** The flow of sends that name none. */
const UNNAMED_FLOW: FlowKey = {};

/** Entry and flow slots the queue starts with; both grow by doubling. */
const INITIAL_SLOTS = 256;
/**
 * Entry slots an empty queue keeps: a burst that grew it beyond this gives the memory back once
 * it has drained.
 */
const KEPT_SLOTS = 16_384;
/** The end of a list. */
const NONE = -1;

/** A taken datagram, written into an object the caller owns (no allocation per take). */
export interface TakenDatagram {
  bytes: Uint8Array;
  address: PeerAddress;
  /** What the datagram was queued with, e.g. the fast path's packed address. */
  tag: number;
}

/**
 * Datagrams by flow, served round robin, bounded in bytes.
 *
 * Queuing and taking allocate nothing once the queue has grown: every datagram is a slot of
 * parallel arrays (payload, address, tag, and the links of its flow's list), every flow a slot of
 * others (its key, first and last datagram, bytes), both reused through free lists. A room that
 * queues a few datagrams per message (scenario (c) of docs/performance.md) would otherwise make
 * and drop a flow object and its lists for every message.
 */
export class FairQueue {
  readonly #maxBytes: number;
  // Datagram slots. `#next` also chains the free slots.
  #payloads: (Uint8Array | undefined)[] = [];
  #addresses: (PeerAddress | undefined)[] = [];
  #tags = new Float64Array(INITIAL_SLOTS);
  #next = new Int32Array(INITIAL_SLOTS);
  #prev = new Int32Array(INITIAL_SLOTS);
  #freeSlot = NONE;
  /** Slots ever used: those past it are free without being on the free list. */
  #slotsUsed = 0;
  // Flow slots, by flow id. `#heads` also chains the free flow ids.
  readonly #ids = new Map<FlowKey, number>();
  #keys: (FlowKey | undefined)[] = [];
  #heads = new Int32Array(INITIAL_SLOTS);
  #tails = new Int32Array(INITIAL_SLOTS);
  #flowBytes = new Float64Array(INITIAL_SLOTS);
  #freeFlow = NONE;
  #flowsUsed = 0;
  /** The flows waiting for a turn, a ring of flow ids; each flow in `#ids` is here or current. */
  #ring = new Int32Array(INITIAL_SLOTS);
  #ringHead = 0;
  #ringLength = 0;
  #current = NONE;
  #turnLeft = 0;
  /** The last flow pushed to: a fan-out pushes to one flow many times in a row. */
  #lastKey: FlowKey | null = null;
  #lastId = NONE;
  #length = 0;
  #bytes = 0;
  #dropped = 0;

  /**
   * Creates an empty queue holding at most `maxBytes` (payloads plus
   * {@linkcode ENTRY_OVERHEAD_BYTES} each).
   *
   * @throws {RangeError} when `maxBytes` is not a positive integer.
   */
  constructor(maxBytes: number = DEFAULT_SEND_QUEUE_BYTES) {
    if (!Number.isSafeInteger(maxBytes) || maxBytes <= 0) {
      throw new RangeError(`Cannot create a send queue of ${maxBytes} bytes`);
    }
    this.#maxBytes = maxBytes;
  }

  /** Datagrams queued. */
  get length(): number {
    return this.#length;
  }

  /** Bytes queued, as the bound counts them. */
  get bytes(): number {
    return this.#bytes;
  }

  /** Datagrams dropped because they did not fit, or to make room for a smaller flow's. */
  get dropped(): number {
    return this.#dropped;
  }

  /**
   * Queues `bytes` for `address` in `flow`'s FIFO. False when it was dropped; a push may also
   * drop the newest datagrams of the largest flow (see the module's documentation).
   */
  push(
    bytes: Uint8Array,
    address: PeerAddress,
    tag: number,
    flow: FlowKey = UNNAMED_FLOW,
  ): boolean {
    const cost = bytes.length + ENTRY_OVERHEAD_BYTES;
    let id = flow === this.#lastKey ? this.#lastId : this.#ids.get(flow) ?? NONE;
    if (this.#bytes + cost > this.#maxBytes && !this.#makeRoom(id, cost)) {
      this.#dropped += 1;
      return false;
    }
    if (id === NONE) id = this.#newFlow(flow);
    this.#lastKey = flow;
    this.#lastId = id;
    const slot = this.#newSlot();
    this.#payloads[slot] = bytes;
    this.#addresses[slot] = address;
    this.#tags[slot] = tag;
    const tail = this.#tails[id];
    this.#next[slot] = NONE;
    this.#prev[slot] = tail;
    if (tail === NONE) this.#heads[id] = slot;
    else this.#next[tail] = slot;
    this.#tails[id] = slot;
    this.#flowBytes[id] += cost;
    this.#bytes += cost;
    this.#length += 1;
    return true;
  }

  /** Moves the next datagram into `into`; false when the queue is empty. */
  take(into: TakenDatagram): boolean {
    for (;;) {
      let id = this.#current;
      if (id === NONE || this.#turnLeft === 0) {
        if (id !== NONE) this.#ringPush(id);
        if (this.#ringLength === 0) {
          this.#current = NONE;
          return false;
        }
        id = this.#ring[this.#ringHead];
        this.#ringHead = (this.#ringHead + 1) % this.#ring.length;
        this.#ringLength -= 1;
        this.#current = id;
        this.#turnLeft = TURN_DATAGRAMS;
      }
      const slot = this.#heads[id];
      if (slot === NONE) {
        // Emptied by its last take or by drops: it leaves until it queues again.
        this.#forget(id);
        continue;
      }
      const next = this.#next[slot];
      this.#heads[id] = next;
      if (next === NONE) this.#tails[id] = NONE;
      else this.#prev[next] = NONE;
      into.bytes = this.#payloads[slot]!;
      into.address = this.#addresses[slot]!;
      into.tag = this.#tags[slot];
      this.#freeSlotAt(slot);
      this.#turnLeft -= 1;
      this.#account(id, into.bytes);
      if (next === NONE) this.#forget(id);
      if (this.#length === 0 && this.#tags.length > KEPT_SLOTS) this.clear();
      return true;
    }
  }

  /** Drops everything queued, uncounted (the socket is closing), and gives back grown memory. */
  clear(): void {
    this.#payloads = [];
    this.#addresses = [];
    this.#tags = new Float64Array(INITIAL_SLOTS);
    this.#next = new Int32Array(INITIAL_SLOTS);
    this.#prev = new Int32Array(INITIAL_SLOTS);
    this.#freeSlot = NONE;
    this.#slotsUsed = 0;
    this.#ids.clear();
    this.#keys = [];
    this.#heads = new Int32Array(INITIAL_SLOTS);
    this.#tails = new Int32Array(INITIAL_SLOTS);
    this.#flowBytes = new Float64Array(INITIAL_SLOTS);
    this.#freeFlow = NONE;
    this.#flowsUsed = 0;
    this.#ring = new Int32Array(INITIAL_SLOTS);
    this.#ringHead = 0;
    this.#ringLength = 0;
    this.#current = NONE;
    this.#turnLeft = 0;
    this.#lastKey = null;
    this.#lastId = NONE;
    this.#length = 0;
    this.#bytes = 0;
  }

  /**
   * Frees room for `cost` bytes of flow `target`'s (NONE: a new flow) by dropping the newest
   * datagrams of flows larger than their fair share; false (nothing dropped) when `target` is
   * itself at or over its share.
   */
  #makeRoom(target: number, cost: number): boolean {
    const flows = this.#ids.size + (target === NONE ? 1 : 0);
    const share = this.#maxBytes / flows;
    if ((target === NONE ? 0 : this.#flowBytes[target]) + cost > share) return false;
    while (this.#bytes + cost > this.#maxBytes) {
      // One scan finds the largest flow and the runner-up: the largest stays the largest, and
      // keeps losing datagrams, until it holds less than the runner-up did.
      let largest = NONE;
      let runnerUp = 0;
      const bytes = this.#flowBytes;
      for (let id = 0; id < this.#flowsUsed; id++) {
        const held = bytes[id];
        if (held <= 0) continue;
        if (largest === NONE || held > bytes[largest]) {
          if (largest !== NONE) runnerUp = bytes[largest];
          largest = id;
        } else if (held > runnerUp) {
          runnerUp = held;
        }
      }
      // The largest flow is over its share, as `target` is under it: it is not `target`.
      if (largest === NONE || largest === target) return false;
      while (
        this.#bytes + cost > this.#maxBytes && bytes[largest] >= runnerUp &&
        this.#tails[largest] !== NONE
      ) {
        const slot = this.#tails[largest];
        const prev = this.#prev[slot];
        this.#tails[largest] = prev;
        if (prev === NONE) this.#heads[largest] = NONE;
        else this.#next[prev] = NONE;
        const payload = this.#payloads[slot]!;
        this.#freeSlotAt(slot);
        this.#account(largest, payload);
        this.#dropped += 1;
      }
    }
    return true;
  }

  /** Takes a datagram of `bytes` off the counts. */
  #account(id: number, bytes: Uint8Array): void {
    const cost = bytes.length + ENTRY_OVERHEAD_BYTES;
    this.#flowBytes[id] -= cost;
    this.#bytes -= cost;
    this.#length -= 1;
  }

  /** A free datagram slot, the arrays grown when none is left. */
  #newSlot(): number {
    const free = this.#freeSlot;
    if (free !== NONE) {
      this.#freeSlot = this.#next[free];
      return free;
    }
    const slot = this.#slotsUsed++;
    if (slot === this.#tags.length) {
      const size = slot * 2;
      this.#tags = grown(this.#tags, new Float64Array(size));
      this.#next = grown(this.#next, new Int32Array(size));
      this.#prev = grown(this.#prev, new Int32Array(size));
    }
    return slot;
  }

  /** Puts `slot` on the free list, letting go of its payload and address. */
  #freeSlotAt(slot: number): void {
    this.#payloads[slot] = undefined;
    this.#addresses[slot] = undefined;
    this.#next[slot] = this.#freeSlot;
    this.#freeSlot = slot;
  }

  /** Registers a flow for `key`, empty and waiting for its turn. */
  #newFlow(key: FlowKey): number {
    let id = this.#freeFlow;
    if (id !== NONE) {
      this.#freeFlow = this.#heads[id];
    } else {
      id = this.#flowsUsed++;
      if (id === this.#heads.length) {
        const size = id * 2;
        this.#heads = grown(this.#heads, new Int32Array(size));
        this.#tails = grown(this.#tails, new Int32Array(size));
        this.#flowBytes = grown(this.#flowBytes, new Float64Array(size));
      }
    }
    this.#keys[id] = key;
    this.#heads[id] = NONE;
    this.#tails[id] = NONE;
    this.#flowBytes[id] = 0;
    this.#ids.set(key, id);
    this.#ringPush(id);
    return id;
  }

  /** Adds flow `id` at the back of the ring of turns. */
  #ringPush(id: number): void {
    if (this.#ringLength === this.#ring.length) {
      // In order from the head, so that turns keep their order.
      const ring = new Int32Array(this.#ring.length * 2);
      for (let i = 0; i < this.#ringLength; i++) {
        ring[i] = this.#ring[(this.#ringHead + i) % this.#ring.length];
      }
      this.#ring = ring;
      this.#ringHead = 0;
    }
    this.#ring[(this.#ringHead + this.#ringLength) % this.#ring.length] = id;
    this.#ringLength += 1;
  }

  /** Removes the empty flow `id`, which is the current one (in no ring slot). */
  #forget(id: number): void {
    const key = this.#keys[id]!;
    this.#ids.delete(key);
    this.#keys[id] = undefined;
    this.#flowBytes[id] = 0;
    this.#heads[id] = this.#freeFlow;
    this.#freeFlow = id;
    if (this.#current === id) this.#current = NONE;
    if (this.#lastId === id) {
      this.#lastKey = null;
      this.#lastId = NONE;
    }
  }
}

/** `into`, holding `from`'s elements at its start. */
function grown<T extends Float64Array | Int32Array>(from: T, into: T): T {
  into.set(from);
  return into;
}

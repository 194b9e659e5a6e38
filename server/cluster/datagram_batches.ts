/**
 * Datagrams crossing the broker between nodes, batched per destination node. A room's fan-out to
 * the members on one node is one NATS message however many members get it, and a datagram sent to
 * several of them in a row (the same bytes: a plain event, encoded once for all) crosses once,
 * with the list of its addresses: broker bytes grow with nodes, not members, except for sealed
 * datagrams, which differ per member. Groups keep the order they were added in.
 *
 * A batch is a sequence of groups: u16 datagram length, the datagram, u16 address count, then
 * each address: u8 host length, host (ASCII), u16 port, u8 local length, local address (ASCII,
 * may be empty).
 *
 * @module
 */

/** Largest batch before it is published at once (NATS's default max payload is 1 MiB). */
export const MAX_BATCH_BYTES = 256 * 1024;
/** Most addresses in one group (its count is a u16). */
const MAX_GROUP_ADDRESSES = 0xffff;
/** A group's datagram length and address count. */
const GROUP_HEADER = 2 + 2;
/** An address's lengths and port. */
const ADDRESS_OVERHEAD = 1 + 2 + 1;

/** One address a group's datagram goes to (or came from). */
export interface RecordAddress {
  /** The client's IP address (ASCII). */
  readonly hostname: string;
  /** The client's UDP port. */
  readonly port: number;
  /** The member node's local address the client talks to; "" when its socket is the only one. */
  readonly local: string;
}

/** One datagram of a batch and where it goes. */
export interface DatagramRecord extends RecordAddress {
  /**
   * The datagram: a copy, one per group, as sends may read it after the batch's buffer was reused.
   */
  readonly bytes: Uint8Array;
}

interface Group {
  readonly bytes: Uint8Array;
  readonly addresses: RecordAddress[];
}

interface Pending {
  readonly groups: Group[];
  size: number;
}

/** The records of a batch, in order; a truncated tail (never written by a node) is ignored. */
export function* decodeRecords(batch: Uint8Array): Iterable<DatagramRecord> {
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  let offset = 0;
  while (offset + GROUP_HEADER <= batch.length) {
    const length = view.getUint16(offset);
    offset += 2;
    if (offset + length + 2 > batch.length) return;
    const bytes = batch.slice(offset, offset + length);
    offset += length;
    const count = view.getUint16(offset);
    offset += 2;
    for (let i = 0; i < count; i++) {
      if (offset + ADDRESS_OVERHEAD > batch.length) return;
      const hostLength = batch[offset++];
      if (offset + hostLength + 3 > batch.length) return;
      const hostname = readAscii(batch, offset, hostLength);
      offset += hostLength;
      const port = view.getUint16(offset);
      offset += 2;
      const localLength = batch[offset++];
      if (offset + localLength > batch.length) return;
      const local = readAscii(batch, offset, localLength);
      offset += localLength;
      yield { hostname, port, local, bytes };
    }
  }
}

/**
 * Datagrams gathered per destination, published together at the end of the current task (or at
 * once past {@link MAX_BATCH_BYTES}): one synchronous fan-out is one message per node.
 */
export class DatagramBatches {
  readonly #publish: (destination: string, batch: Uint8Array) => void;
  readonly #pending = new Map<string, Pending>();
  #scheduled = false;

  /** Batches handed to `publish(destination, batch)`. */
  constructor(publish: (destination: string, batch: Uint8Array) => void) {
    this.#publish = publish;
  }

  /**
   * Adds a datagram for `destination`, to the client at `hostname`:`port` (via `local`). `bytes` is
   * kept until the batch goes out: it must not change meanwhile (a receive buffer is copied first).
   */
  add(destination: string, hostname: string, port: number, local: string, bytes: Uint8Array) {
    let pending = this.#pending.get(destination);
    if (pending === undefined) {
      pending = { groups: [], size: 0 };
      this.#pending.set(destination, pending);
    }
    const last = pending.groups.at(-1);
    const address = { hostname, port, local };
    if (last !== undefined && last.bytes === bytes && last.addresses.length < MAX_GROUP_ADDRESSES) {
      last.addresses.push(address);
    } else {
      pending.groups.push({ bytes, addresses: [address] });
      pending.size += GROUP_HEADER + bytes.length;
    }
    pending.size += ADDRESS_OVERHEAD + hostname.length + local.length;
    if (pending.size >= MAX_BATCH_BYTES) return this.#flushOne(destination);
    if (!this.#scheduled) {
      this.#scheduled = true;
      queueMicrotask(() => this.flush());
    }
  }

  /** Publishes everything pending now. */
  flush(): void {
    this.#scheduled = false;
    for (const destination of [...this.#pending.keys()]) this.#flushOne(destination);
  }

  #flushOne(destination: string): void {
    const pending = this.#pending.get(destination);
    if (pending === undefined) return;
    this.#pending.delete(destination);
    this.#publish(destination, encodeGroups(pending));
  }
}

/** Writes the groups of `pending` into one batch. */
function encodeGroups(pending: Pending): Uint8Array {
  const batch = new Uint8Array(pending.size);
  const view = new DataView(batch.buffer);
  let offset = 0;
  for (const { bytes, addresses } of pending.groups) {
    view.setUint16(offset, bytes.length);
    offset += 2;
    batch.set(bytes, offset);
    offset += bytes.length;
    view.setUint16(offset, addresses.length);
    offset += 2;
    for (const { hostname, port, local } of addresses) {
      batch[offset++] = hostname.length;
      offset = writeAscii(batch, offset, hostname);
      view.setUint16(offset, port);
      offset += 2;
      batch[offset++] = local.length;
      offset = writeAscii(batch, offset, local);
    }
  }
  return batch;
}

/** Writes an ASCII string (an IP address) at `offset`; returns the offset after it. */
function writeAscii(out: Uint8Array, offset: number, text: string): number {
  for (let i = 0; i < text.length; i++) out[offset++] = text.charCodeAt(i);
  return offset;
}

function readAscii(bytes: Uint8Array, offset: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(offset, offset + length));
}

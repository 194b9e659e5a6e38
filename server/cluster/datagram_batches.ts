/**
 * Datagrams crossing the broker between nodes, as records batched per destination node: a room's
 * fan-out to the members on one node is one NATS message however many members get it, and the
 * records keep the order they were added in.
 *
 * A record: u8 host length, host (ASCII), u16 port, u8 local length, local address (ASCII, may be
 * empty), u16 datagram length, datagram.
 *
 * @module
 */

/** Largest batch before it is published at once (NATS's default max payload is 1 MiB). */
export const MAX_BATCH_BYTES = 256 * 1024;
/** What a record adds to its datagram besides its two addresses. */
const RECORD_OVERHEAD = 1 + 2 + 1 + 2;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** One datagram of a batch: who sent it or is to get it, and on which local address. */
export interface DatagramRecord {
  /** The client's IP address. */
  readonly hostname: string;
  /** The client's UDP port. */
  readonly port: number;
  /** The member node's local address the client talks to; "" when its socket is the only one. */
  readonly local: string;
  /** The datagram (a view into the batch). */
  readonly bytes: Uint8Array;
}

/** Encodes one record. */
export function encodeRecord(
  hostname: string,
  port: number,
  local: string,
  bytes: Uint8Array,
): Uint8Array {
  const host = encoder.encode(hostname);
  const at = encoder.encode(local);
  const out = new Uint8Array(RECORD_OVERHEAD + host.length + at.length + bytes.length);
  const view = new DataView(out.buffer);
  let offset = 0;
  out[offset++] = host.length;
  out.set(host, offset);
  offset += host.length;
  view.setUint16(offset, port);
  offset += 2;
  out[offset++] = at.length;
  out.set(at, offset);
  offset += at.length;
  view.setUint16(offset, bytes.length);
  offset += 2;
  out.set(bytes, offset);
  return out;
}

/** The records of a batch, in order; a truncated tail (never written by a node) is ignored. */
export function* decodeRecords(batch: Uint8Array): Iterable<DatagramRecord> {
  const view = new DataView(batch.buffer, batch.byteOffset, batch.byteLength);
  let offset = 0;
  while (offset + RECORD_OVERHEAD <= batch.length) {
    const hostLength = batch[offset++];
    const hostname = decoder.decode(batch.subarray(offset, offset + hostLength));
    offset += hostLength;
    if (offset + 3 > batch.length) return;
    const port = view.getUint16(offset);
    offset += 2;
    const localLength = batch[offset++];
    const local = decoder.decode(batch.subarray(offset, offset + localLength));
    offset += localLength;
    if (offset + 2 > batch.length) return;
    const length = view.getUint16(offset);
    offset += 2;
    if (offset + length > batch.length) return;
    yield { hostname, port, local, bytes: batch.subarray(offset, offset + length) };
    offset += length;
  }
}

/**
 * Records gathered per destination, published together at the end of the current task (or at
 * once past {@link MAX_BATCH_BYTES}): one synchronous fan-out is one message per node.
 */
export class DatagramBatches {
  readonly #publish: (destination: string, batch: Uint8Array) => void;
  readonly #pending = new Map<string, { parts: Uint8Array[]; bytes: number }>();
  #scheduled = false;

  /** Batches handed to `publish(destination, batch)`. */
  constructor(publish: (destination: string, batch: Uint8Array) => void) {
    this.#publish = publish;
  }

  /** Adds a datagram for `destination`. */
  add(destination: string, hostname: string, port: number, local: string, bytes: Uint8Array) {
    let pending = this.#pending.get(destination);
    if (pending === undefined) {
      pending = { parts: [], bytes: 0 };
      this.#pending.set(destination, pending);
    }
    const record = encodeRecord(hostname, port, local, bytes);
    pending.parts.push(record);
    pending.bytes += record.length;
    if (pending.bytes >= MAX_BATCH_BYTES) return this.#flushOne(destination);
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
    const batch = new Uint8Array(pending.bytes);
    let offset = 0;
    for (const part of pending.parts) {
      batch.set(part, offset);
      offset += part.length;
    }
    this.#publish(destination, batch);
  }
}

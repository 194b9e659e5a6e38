/**
 * A bounds-checked big-endian reader over a byte array, for decoders that must turn any
 * short input into a `TruncatedError` rather than reading past the end.
 *
 * @module
 */

import { TruncatedError } from "./errors.ts";

/** Reads big-endian fields in order; every read checks the remaining length first. */
export class ByteReader {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #what: string;
  #offset = 0;

  /** @param what names the message in error messages, e.g. "event". */
  constructor(bytes: Uint8Array, what: string) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#what = what;
  }

  /** Reads one byte. */
  u8(): number {
    return this.#view.getUint8(this.#advance(1));
  }

  /** Reads a big-endian u16. */
  u16(): number {
    return this.#view.getUint16(this.#advance(2));
  }

  /** Reads a big-endian u32. */
  u32(): number {
    return this.#view.getUint32(this.#advance(4));
  }

  /** Returns a view of the next `count` bytes. */
  bytes(count: number): Uint8Array {
    const start = this.#advance(count);
    return this.#bytes.subarray(start, start + count);
  }

  /** How many bytes are not yet read. */
  get remaining(): number {
    return this.#bytes.length - this.#offset;
  }

  /** Returns a view of everything not yet read. */
  rest(): Uint8Array {
    return this.bytes(this.#bytes.length - this.#offset);
  }

  #advance(count: number): number {
    const start = this.#offset;
    if (start + count > this.#bytes.length) {
      throw new TruncatedError(
        `Cannot decode ${this.#what}: needs ${start + count} bytes, got ${this.#bytes.length}`,
      );
    }
    this.#offset = start + count;
    return start;
  }
}

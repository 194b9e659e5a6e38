/**
 * Byte-array helpers shared by every layer.
 *
 * @module
 */

/**
 * Joins two byte arrays into a new one; neither input is changed.
 *
 * @example
 * ```ts
 * import { concatBytes } from "./bytes.ts";
 * concatBytes(new Uint8Array([1]), new Uint8Array([2, 3])); // Uint8Array [1, 2, 3]
 * ```
 */
export function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** Makes a byte array of `length` bytes for an encoder to fill. */
export type ByteAllocator = (length: number) => Uint8Array;

/** A fresh zeroed array of `length` bytes: what encoders use unless given a {@link ByteSlab}. */
export const newBytes: ByteAllocator = (length) => new Uint8Array(length);

/** Bytes per slab: a few hundred small datagrams. */
const SLAB_BYTES = 64 * 1024;
/** Arrays larger than this get a buffer of their own rather than a slab's tail. */
const SLAB_MAX_PIECE = SLAB_BYTES / 16;
const PIECE_ALIGN = 8;

/**
 * Small byte arrays cut from shared 64 KiB buffers, as Node's `Buffer` pool does: a new
 * `Uint8Array(n)` creates a buffer of its own, which costs V8 about ten times a view on an
 * existing one (measured on the relay's hot path: ≈ 0.4–0.6 µs against 0.03 µs). A slab is never
 * reused: it is dropped when full and collected once no array cut from it is alive, so an array
 * is never overwritten, and memory stays bounded by the arrays still held.
 *
 * @example
 * ```ts
 * const slab = new ByteSlab();
 * const bytes = slab.alloc(26); // 26 zero bytes, a view on the current slab
 * ```
 */
export class ByteSlab {
  #buffer = new ArrayBuffer(SLAB_BYTES);
  #used = 0;

  /** A zeroed array of `length` bytes, cut from the current slab (a new one when it is full). */
  readonly alloc: ByteAllocator = (length) => {
    if (length > SLAB_MAX_PIECE) return new Uint8Array(length);
    if (this.#used + length > SLAB_BYTES) {
      this.#buffer = new ArrayBuffer(SLAB_BYTES);
      this.#used = 0;
    }
    const bytes = new Uint8Array(this.#buffer, this.#used, length);
    this.#used += (length + PIECE_ALIGN - 1) & ~(PIECE_ALIGN - 1);
    return bytes;
  };
}

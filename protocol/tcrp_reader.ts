/**
 * Turns a TCP byte stream into TCRP frames: headers split anywhere, frames split anywhere,
 * several frames in one chunk, and the size guard applied as soon as a header is complete.
 *
 * @module
 */

import { DEFAULT_MAX_PAYLOAD_SIZE, TCRP_HEADER_SIZE } from "./constants.ts";
import {
  decodeTcrpHeader,
  frameAt,
  type TcrpFrame,
  tcrpFrameLength,
  type TcrpHeader,
} from "./tcrp.ts";

/**
 * An incremental TCRP frame reader. Frames it returns own their bytes, so the caller may reuse
 * its read buffer. After it throws, the stream cannot be resynchronised: close the connection.
 *
 * Chunks are kept as a list and each byte is copied once, so a peer that sends one byte at a
 * time costs linear work, not quadratic.
 *
 * @example
 * ```ts
 * const reader = new TcrpFrameReader();
 * for (const frame of reader.push(chunk)) handle(frame);
 * ```
 */
export class TcrpFrameReader {
  readonly #maxPayloadSize: number;
  #chunks: Uint8Array[] = [];
  #length = 0;
  #header: TcrpHeader | null = null;

  /** @param maxPayloadSize the largest payload accepted; a larger declared size is refused. */
  constructor(maxPayloadSize: number = DEFAULT_MAX_PAYLOAD_SIZE) {
    this.#maxPayloadSize = maxPayloadSize;
  }

  /**
   * Adds a chunk and returns the frames it completes, in order.
   *
   * @throws {SizeLimitError} as soon as a header declares a payload over the limit, before any
   * of that payload is buffered.
   */
  push(chunk: Uint8Array): TcrpFrame[] {
    if (chunk.length > 0) {
      // Copy: the caller's chunk is usually a view of a read buffer that it will reuse.
      this.#chunks.push(chunk.slice());
      this.#length += chunk.length;
    }
    const frames: TcrpFrame[] = [];
    for (;;) {
      if (this.#header === null) {
        if (this.#length < TCRP_HEADER_SIZE) break;
        this.#header = decodeTcrpHeader(
          this.#copyFront(TCRP_HEADER_SIZE, false),
          this.#maxPayloadSize,
        );
      }
      const length = tcrpFrameLength(this.#header);
      if (this.#length < length) break;
      frames.push(frameAt(this.#copyFront(length, true), this.#header));
      this.#header = null;
    }
    return frames;
  }

  /** Bytes held that do not yet form a whole frame; 0 means the stream is at a frame boundary. */
  get buffered(): number {
    return this.#length;
  }

  /** Removes and returns the bytes held past the last whole frame (e.g. a UDP port announcement). */
  takeBuffered(): Uint8Array {
    const rest = this.#copyFront(this.#length, true);
    this.#header = null;
    return rest;
  }

  /** Copies the first `count` held bytes into one buffer, removing them when `consume` is set. */
  #copyFront(count: number, consume: boolean): Uint8Array {
    const out = new Uint8Array(count);
    let filled = 0;
    let used = 0;
    while (filled < count) {
      const chunk = this.#chunks[used];
      const wanted = Math.min(chunk.length, count - filled);
      out.set(wanted === chunk.length ? chunk : chunk.subarray(0, wanted), filled);
      filled += wanted;
      if (consume && wanted < chunk.length) this.#chunks[used] = chunk.subarray(wanted);
      else used++;
    }
    if (consume) {
      this.#chunks.splice(0, used);
      this.#length -= count;
    }
    return out;
  }
}

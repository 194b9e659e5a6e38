/**
 * Writing a whole buffer to a Deno writer.
 *
 * @module
 */

/** Anything with Deno's `write` contract: takes a buffer, resolves with how many bytes it took. */
export interface ByteWriter {
  write(bytes: Uint8Array): Promise<number>;
}

/**
 * Writes every byte of `bytes`, in one write unless the kernel takes it in parts.
 *
 * @throws whatever `writer.write` throws (a closed or reset connection).
 */
export async function writeAll(writer: ByteWriter, bytes: Uint8Array): Promise<void> {
  let written = 0;
  while (written < bytes.length) written += await writer.write(bytes.subarray(written));
}

/**
 * Reading an HTTP/1.1 request head (RFC 9112 §2.1) off a connection, as kaiwa's two small HTTP
 * servers (the web port and the metrics port) do: up to the blank line, within a byte cap.
 *
 * A head ends at its first empty line. Lines must end in CR LF: a head whose lines end in a bare
 * LF (which RFC 9112 §2.2 lets a recipient accept) or hold a bare CR is read to its end all the
 * same and reported as such, so that it is refused at once with a 400 rather than held until a
 * deadline while the reader waits for a CR LF CR LF that never comes.
 *
 * @module
 */

import type { ByteConn } from "./tls_conn.ts";

/** What reading a request head found. */
export type HeadRead =
  /** A head in CR LF lines: its text (without the blank line) and the bytes read past it. */
  | { readonly kind: "head"; readonly head: string; readonly rest: Uint8Array }
  /** A head that ended (at an empty line) but has a line ending in a bare LF, or a bare CR. */
  | { readonly kind: "bare-line-ending" }
  /** No empty line within the cap. */
  | { readonly kind: "too-long" };

const CR = 0x0d;
const LF = 0x0a;
const decoder = new TextDecoder();

/**
 * Reads `conn` up to the end of a request head, at most `maxBytes`.
 *
 * @throws {Deno.errors.UnexpectedEof} when the connection closes before the head ends; what
 * `conn.read` throws.
 *
 * @example
 * ```ts
 * const read = await readRequestHead(conn, 8192);
 * if (read.kind === "head") parse(read.head);
 * ```
 */
export async function readRequestHead(conn: ByteConn, maxBytes: number): Promise<HeadRead> {
  const buffer = new Uint8Array(maxBytes);
  let length = 0;
  while (length < buffer.length) {
    const read = await conn.read(buffer.subarray(length));
    if (read === null) throw new Deno.errors.UnexpectedEof("Connection closed before the head");
    // The empty line may straddle two reads: look a line ending back.
    const from = Math.max(0, length - 2);
    length += read;
    const end = emptyLineAt(buffer, from, length);
    if (end === null) continue;
    const head = buffer.subarray(0, end.start);
    if (!onlyCrLf(buffer.subarray(0, end.after))) return { kind: "bare-line-ending" };
    return { kind: "head", head: decoder.decode(head), rest: buffer.slice(end.after, length) };
  }
  return { kind: "too-long" };
}

/**
 * The first empty line whose LF lies in `from`..`to`: where the line ending before it starts, and
 * the index after its own LF. A line ending is LF with or without a CR before it.
 */
function emptyLineAt(
  buffer: Uint8Array,
  from: number,
  to: number,
): { start: number; after: number } | null {
  for (let i = Math.max(from, 1); i < to; i++) {
    if (buffer[i] !== LF) continue;
    // This LF ends an empty line when the byte before it (or before its CR) is an LF.
    const lineStart = buffer[i - 1] === CR ? i - 1 : i;
    if (lineStart === 0 || buffer[lineStart - 1] !== LF) continue;
    const previous = lineStart - 1;
    return { start: buffer[previous - 1] === CR ? previous - 1 : previous, after: i + 1 };
  }
  return null;
}

/** True when every CR in `bytes` is followed by an LF and every LF follows a CR. */
function onlyCrLf(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === CR && bytes[i + 1] !== LF) return false;
    if (bytes[i] === LF && bytes[i - 1] !== CR) return false;
  }
  return true;
}

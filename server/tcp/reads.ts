/**
 * Reading a TCRP request and the optional port announcement from a connection.
 *
 * @module
 */

import {
  decodePortAnnouncement,
  MAX_NAME_BYTES,
  SizeLimitError,
  TCRP_HEADER_SIZE,
  TCRP_OPERATION_OFFSET,
  TCRP_ROOM_NAME_SIZE_OFFSET,
  type TcrpFrame,
  type TcrpFrameReader,
  UDP_PORT_ANNOUNCEMENT_SIZE,
} from "../../protocol/mod.ts";
import { type ByteConn, concatBytes } from "../../util/mod.ts";

/**
 * Bytes read from the socket at a time. A request is a few hundred bytes and a larger one takes
 * several reads; a small chunk keeps the garbage of many joins small (4,096 bytes cost 12% more
 * server memory per member at 100,000 members).
 */
const READ_CHUNK_SIZE = 512;
const EMPTY: Uint8Array = new Uint8Array(0);

/** A request refused before it was decoded: answered from the raw header bytes. */
export class RefusedRequest extends Error {
  /** `operation` and `roomName` come from the header, for the answer's echo. */
  constructor(readonly operation: number, readonly roomName: Uint8Array, reason: string) {
    super(reason);
    this.name = "RefusedRequest";
  }
}

/**
 * Reads until one whole frame arrived; null on EOF before that. `onHeader` is called once, as
 * soon as the 32-byte header is in.
 *
 * @throws {RefusedRequest} when the header declares a request over the reader's limit.
 */
export async function readRequest(
  conn: ByteConn,
  reader: TcrpFrameReader,
  onHeader: () => void = () => {},
): Promise<TcrpFrame | null> {
  const chunk = new Uint8Array(READ_CHUNK_SIZE);
  // The first bytes, kept so that an oversized request can still be answered with its
  // operation and room name: the reader refuses it from the header alone.
  let head = EMPTY;
  for (;;) {
    const n = await conn.read(chunk);
    if (n === null) return null;
    const bytes = chunk.subarray(0, n);
    const hadHeader = head.length >= TCRP_HEADER_SIZE;
    if (head.length < TCRP_HEADER_SIZE + MAX_NAME_BYTES) head = concatBytes(head, bytes);
    if (!hadHeader && head.length >= TCRP_HEADER_SIZE) onHeader();
    try {
      const frames = reader.push(bytes);
      if (frames.length > 0) return frames[0];
    } catch (error) {
      if (error instanceof SizeLimitError) {
        const roomEnd = TCRP_HEADER_SIZE + head[TCRP_ROOM_NAME_SIZE_OFFSET];
        // The room name may not have arrived yet: then the answer echoes none.
        const roomName = head.length >= roomEnd ? head.slice(TCRP_HEADER_SIZE, roomEnd) : EMPTY;
        throw new RefusedRequest(head[TCRP_OPERATION_OFFSET], roomName, error.message);
      }
      throw error;
    }
  }
}

/** Reads the optional 2-byte UDP port announcement; null when none came before EOF. */
export async function readAnnouncement(
  conn: ByteConn,
  reader: TcrpFrameReader,
): Promise<number | null> {
  let bytes = reader.takeBuffered();
  const chunk = new Uint8Array(UDP_PORT_ANNOUNCEMENT_SIZE);
  while (bytes.length < UDP_PORT_ANNOUNCEMENT_SIZE) {
    const n = await conn.read(chunk);
    if (n === null) return null;
    bytes = concatBytes(bytes, chunk.subarray(0, n));
  }
  try {
    return decodePortAnnouncement(bytes.subarray(0, UDP_PORT_ANNOUNCEMENT_SIZE));
  } catch {
    return null; // Port 0: nothing to bind; the first datagram will do it.
  }
}

/**
 * Creating and joining rooms over TCRP, as a standard client does, many at a time.
 *
 * @module
 */

import {
  decodeStatus,
  decodeToken,
  encodePortAnnouncement,
  encodeRequestFrame,
  Operation,
  Status,
  type TcrpFrame,
  TcrpFrameReader,
} from "../protocol/mod.ts";

/** Bytes read from the connection at a time: a status and a token frame fit easily. */
const READ_CHUNK_SIZE = 1024;
/** Frames a create or join is answered with: the status, then the token. */
const ANSWER_FRAMES = 2;
/** Standard text events: the cheapest for the server to encode and for receivers to parse. */
const STANDARD_TEXT = 0;

/** One create or join. */
export interface JoinRequest {
  /** Create the room (its first member) or join it. */
  readonly create: boolean;
  /** The room. */
  readonly roomName: string;
  /** The member's name. */
  readonly username: string;
  /** The UDP port to announce, or null to announce none (the member then gets no datagrams). */
  readonly udpPort: number | null;
}

/** The server refused a request the benchmark needed. */
export class JoinRefusedError extends Error {
  /** The status byte the server answered. */
  readonly status: number;

  /** Records the refused request and its status. */
  constructor(request: JoinRequest, status: number) {
    const statusName = Object.entries(Status).find(([, code]) => code === status)?.[0];
    super(
      `Server refused ${request.create ? "create" : "join"} of "${request.username}" in ` +
        `"${request.roomName}": status ${status} (${statusName ?? "unknown"})`,
    );
    this.name = "JoinRefusedError";
    this.status = status;
  }
}

/** Creates or joins a room on `host:port` and returns the token. */
export async function requestToken(
  host: string,
  port: number,
  request: JoinRequest,
): Promise<string> {
  const conn = await Deno.connect({ hostname: host, port });
  try {
    const operation = request.create ? Operation.CreateRoom : Operation.JoinRoom;
    await writeAll(
      conn,
      encodeRequestFrame(operation, request.roomName, {
        username: request.username,
        password: null,
        eventFormat: STANDARD_TEXT,
      }),
    );
    const frames = await readFrames(conn, request);
    const token = decodeToken(frames[1]);
    if (request.udpPort !== null) await writeAll(conn, encodePortAnnouncement(request.udpPort));
    return token;
  } finally {
    conn.close();
  }
}

/**
 * Runs `requests` with at most `concurrency` connections open at once; returns the tokens in
 * request order. Requests run in any order: create the rooms in an earlier call than the joins.
 */
export async function requestTokens(
  host: string,
  port: number,
  requests: readonly JoinRequest[],
  concurrency: number,
): Promise<string[]> {
  const tokens: string[] = new Array(requests.length);
  let next = 0;
  const lane = async () => {
    while (next < requests.length) {
      const i = next++;
      tokens[i] = await requestToken(host, port, requests[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, lane));
  return tokens;
}

async function readFrames(conn: Deno.Conn, request: JoinRequest): Promise<TcrpFrame[]> {
  const reader = new TcrpFrameReader();
  const chunk = new Uint8Array(READ_CHUNK_SIZE);
  const frames: TcrpFrame[] = [];
  while (frames.length < ANSWER_FRAMES) {
    const n = await conn.read(chunk);
    if (n === null) throw new Error(`Server closed the connection of "${request.username}"`);
    frames.push(...reader.push(chunk.subarray(0, n)));
    if (frames.length > 0) {
      const status = decodeStatus(frames[0]);
      if (status !== Status.Ok) throw new JoinRefusedError(request, status);
    }
  }
  return frames;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

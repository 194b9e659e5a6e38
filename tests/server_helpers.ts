/**
 * Shared helpers for the server tests: a controllable clock, a quiet test server, a client-side
 * TCRP request, and a UDP client whose receives always end by a deadline.
 *
 * @module
 */

import net from "node:net";
import {
  decodeEvent,
  decodeRoomList,
  decodeSessionFrame,
  decodeStatus,
  decodeToken,
  encodeClientDatagram,
  encodePortAnnouncement,
  encodeRoomRequest,
  encodeTcrpFrame,
  type KaiwaEvent,
  type RoomList,
  type RoomRequest,
  type SessionGrant,
  State,
  Status,
  type TcrpFrame,
  TcrpFrameReader,
} from "../protocol/mod.ts";
import {
  DEFAULT_SERVE_OPTIONS,
  type PasswordHash,
  type PasswordHasher,
  type ServeOptions,
  type ServerDeps,
  type ServerHandle,
  startServer,
  UDP_PATHS,
  type UdpPath,
} from "../server/mod.ts";

/** The variable naming the suite's UDP path. */
const SUITE_UDP_VARIABLE = "KAIWA_UDP";
const encoder = new TextEncoder();
const decoder = new TextDecoder();
/**
 * How long a receive that expects something waits before the test fails. Generous because it
 * costs nothing when the datagram comes, and CI shares 2 cores with other work, under which
 * 2 s waits have run out; absence is checked with SILENCE_MS instead.
 */
export const RECEIVE_TIMEOUT_MS = 10_000;
/** How long a receive that expects nothing waits (bounded, and backed by a drop counter). */
export const SILENCE_MS = 150;
const POLL_MS = 5;

/**
 * The header deadline, s, of a server whose test holds connections that send nothing and closes
 * them itself: longer than any test, where the default (2 s) is not on a slow machine.
 */
export const HELD_TIMEOUT_SECONDS = 60;

/** A clock that moves only when told. */
export class FakeClock {
  /** Current time in ms since the epoch. */
  time = 1_700_000_000_000;
  /** The clock function to inject. */
  readonly now = (): number => this.time;
  /** Moves the clock forward. */
  advance(ms: number): void {
    this.time += ms;
  }
}

/**
 * The UDP path the suite's servers take unless a test sets one: `KAIWA_UDP` (as `--udp` reads it),
 * so that `.ci/run` runs the whole suite on both paths; `auto` when it is not set.
 */
export const SUITE_UDP_PATH: UdpPath = (() => {
  const path = Deno.env.get(SUITE_UDP_VARIABLE) ?? DEFAULT_SERVE_OPTIONS.udpPath;
  const known = UDP_PATHS.find((candidate) => candidate === path);
  if (known === undefined) {
    throw new Error(`${SUITE_UDP_VARIABLE}=${path}: not one of ${UDP_PATHS}`);
  }
  return known;
})();

/** Options of a test server: loopback, free ports, no limits unless a test sets them. */
export const TEST_OPTIONS: ServeOptions = {
  ...DEFAULT_SERVE_OPTIONS,
  udpPath: SUITE_UDP_PATH,
  host: "127.0.0.1",
  port: 0,
  logLevel: "verbose",
  floodRate: 0,
  joinRate: 0,
  // Every test client is 127.0.0.1: per-source limits are off unless a test sets them.
  ipFloodRate: 0,
  maxMembersPerIp: DEFAULT_SERVE_OPTIONS.maxMembers,
  maxRoomsPerIp: DEFAULT_SERVE_OPTIONS.maxRooms,
  whoIntervalSeconds: 0,
  passwordRate: 0,
  wrongPasswordRate: 0,
  maxIncompletePerIp: DEFAULT_SERVE_OPTIONS.maxConnections,
  logRefusalsPerMinute: Number.MAX_SAFE_INTEGER,
};

/** A started test server with its clock and its log lines. */
export interface TestServer {
  readonly server: ServerHandle;
  readonly clock: FakeClock;
  readonly logs: string[];
  /** The UDP address clients send to. */
  readonly udp: Deno.NetAddr;
  /** The TCP port. */
  readonly tcpPort: number;
  [Symbol.asyncDispose](): Promise<void>;
}

/** Starts a server on 127.0.0.1 with a fake clock; `await using` closes it. */
export async function startTestServer(
  overrides: Partial<ServeOptions> = {},
  deps: ServerDeps = {},
): Promise<TestServer> {
  const clock = new FakeClock();
  const logs: string[] = [];
  const server = await startServer({ ...TEST_OPTIONS, ...overrides }, {
    now: clock.now,
    logSink: (line) => logs.push(line),
    ...deps,
  });
  return {
    server,
    clock,
    logs,
    udp: server.udpAddr,
    tcpPort: server.tcpAddr.port,
    [Symbol.asyncDispose]: () => server.close(),
  };
}

/** How often a restart on a given port is tried while a stopped server may still hold it. */
const RESTART_TRIES = 100;
const RESTART_POLL_MS = 50;

/**
 * Starts a quiet server on 127.0.0.1 on the real clock, which real clients need (their timers
 * run on it), with the default limits unless `overrides` change them, on the suite's UDP path.
 * On a given port (a restart) it tries again, a bounded number of times, while a stopped server
 * may still hold the port. The caller closes it.
 */
export async function startRealClockServer(
  overrides: Partial<ServeOptions> = {},
): Promise<ServerHandle> {
  const options: ServeOptions = {
    ...DEFAULT_SERVE_OPTIONS,
    udpPath: SUITE_UDP_PATH,
    host: "127.0.0.1",
    port: 0,
    logLevel: "quiet",
    ...overrides,
  };
  for (let attempt = 1;; attempt++) {
    try {
      return await startServer(options, { logSink: () => {} });
    } catch (error) {
      if (!(error instanceof Deno.errors.AddrInUse) || attempt >= RESTART_TRIES) throw error;
      await new Promise((resolve) => setTimeout(resolve, RESTART_POLL_MS));
    }
  }
}

/** The answer to a TCRP request as the client sees it. */
export interface TcrpAnswer {
  status: number;
  /** The room name bytes echoed in the status frame, as text. */
  roomName: string;
  token: string | null;
  list: RoomList | null;
  /** The Session frame's grant (null: refused), when the request asked for a session (§7.1). */
  session?: SessionGrant | null;
}

/** How a request payload is given: a request, raw bytes, or nothing. */
export type Payload = RoomRequest | Uint8Array | null;

/**
 * Sends one TCRP request and reads the answer; with `announcePort`, sends the 2-byte UDP port
 * announcement after the token. The connection is then closed.
 */
export async function tcrpRequest(
  port: number,
  operation: number,
  roomName: string | Uint8Array,
  payload: Payload,
  options: { announcePort?: number } = {},
): Promise<TcrpAnswer> {
  const body = payload === null
    ? new Uint8Array(0)
    : payload instanceof Uint8Array
    ? payload
    : encodeRoomRequest(payload);
  using conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(encodeTcrpFrame({ operation, state: State.Request, roomName, payload: body }));
  const frames = await readFrames(conn, 1);
  const status = decodeStatus(frames[0]);
  const answer: TcrpAnswer = {
    status,
    roomName: decoder.decode(frames[0].roomName),
    token: null,
    list: null,
  };
  if (status !== Status.Ok) return answer;
  const complete = (await readFrames(conn, 1))[0];
  if (operation === 3) answer.list = decodeRoomList(complete);
  else answer.token = decodeToken(complete);
  if (payload !== null && !(payload instanceof Uint8Array) && payload.session === true) {
    answer.session = decodeSessionFrame((await readFrames(conn, 1))[0]);
  }
  if (options.announcePort !== undefined) {
    await conn.write(encodePortAnnouncement(options.announcePort));
  }
  return answer;
}

interface FrameSource {
  readonly reader: TcrpFrameReader;
  readonly ready: TcrpFrame[];
}
const sources = new WeakMap<Deno.Conn, FrameSource>();

/** Reads `count` frames from `conn`; frames that arrived beyond those wait for the next call. */
export async function readFrames(conn: Deno.Conn, count: number): Promise<TcrpFrame[]> {
  let source = sources.get(conn);
  if (source === undefined) {
    source = { reader: new TcrpFrameReader(), ready: [] };
    sources.set(conn, source);
  }
  const chunk = new Uint8Array(4096);
  while (source.ready.length < count) {
    const n = await conn.read(chunk);
    if (n === null) {
      throw new Error(`Connection closed after ${source.ready.length} of ${count} frames`);
    }
    source.ready.push(...source.reader.push(chunk.subarray(0, n)));
  }
  return source.ready.splice(0, count);
}

/** A request as kaiwa sends it. */
export function roomRequest(
  username: string,
  options: { password?: string; kaiwa?: boolean } = {},
): RoomRequest {
  return { username, password: options.password ?? null, eventFormat: options.kaiwa ? 1 : 0 };
}

/**
 * Polls until `condition` holds; throws after `timeoutMs` (the receive timeout unless a test
 * waits on a client process, which may first have to start).
 */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = RECEIVE_TIMEOUT_MS,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** A UDP client socket whose receives end by a deadline. `await using` closes it. */
export class UdpClient {
  readonly socket: Deno.DatagramConn;
  #pending: Promise<[Uint8Array, Deno.Addr]> | null = null;

  /** Binds a client socket on `hostname` (127.0.0.1 by default), port 0. */
  constructor(hostname = "127.0.0.1") {
    this.socket = Deno.listenDatagram({ hostname, port: 0, transport: "udp" });
  }

  /** The client's port. */
  get port(): number {
    return (this.socket.addr as Deno.NetAddr).port;
  }

  /** Sends raw bytes. */
  async sendRaw(bytes: Uint8Array, to: Deno.NetAddr): Promise<void> {
    await this.socket.send(bytes, to);
  }

  /** Sends a client datagram with `message` (text is UTF-8 encoded). */
  async send(
    to: Deno.NetAddr,
    room: string,
    token: string,
    message: string | Uint8Array,
  ): Promise<void> {
    const body = typeof message === "string" ? encoder.encode(message) : message;
    await this.sendRaw(encodeClientDatagram(encoder.encode(room), encoder.encode(token), body), to);
  }

  /** The next datagram, or null when none arrives within `timeoutMs`. */
  async receive(timeoutMs = RECEIVE_TIMEOUT_MS): Promise<Uint8Array | null> {
    return (await this.#next(timeoutMs))?.[0] ?? null;
  }

  /**
   * The next datagram from `peer`, or null when none arrives within `timeoutMs`; datagrams from
   * elsewhere are skipped. Another process on the machine (another test run) may still send to a
   * port this socket now reuses: a test holding many sockets meets that.
   */
  async receiveFrom(
    peer: Deno.NetAddr,
    timeoutMs = RECEIVE_TIMEOUT_MS,
  ): Promise<Uint8Array | null> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const result = await this.#next(Math.max(0, deadline - Date.now()));
      if (result === null) return null;
      const from = result[1] as Deno.NetAddr;
      if (from.hostname === peer.hostname && from.port === peer.port) return result[0];
    }
  }

  /** The next datagram and its source, or null when none arrives within `timeoutMs`. */
  async #next(timeoutMs: number): Promise<[Uint8Array, Deno.Addr] | null> {
    this.#pending ??= this.socket.receive();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<null>((resolve) =>
      timer = setTimeout(() => resolve(null), timeoutMs)
    );
    const result = await Promise.race([this.#pending, timeout]);
    clearTimeout(timer);
    if (result === null) return null;
    this.#pending = null;
    return result;
  }

  /** The next datagram as text; throws when none arrives within `timeoutMs`. */
  async receiveText(timeoutMs = RECEIVE_TIMEOUT_MS): Promise<string> {
    const bytes = await this.receive(timeoutMs);
    if (bytes === null) throw new Error("No datagram arrived");
    return decoder.decode(bytes);
  }

  /** The next datagram as a kaiwa event; throws when none arrives. */
  async receiveEvent(): Promise<KaiwaEvent> {
    const bytes = await this.receive();
    if (bytes === null) throw new Error("No event arrived");
    return decodeEvent(bytes);
  }

  /** Closes the socket and settles the pending receive. */
  async [Symbol.asyncDispose](): Promise<void> {
    this.socket.close();
    await this.#pending?.catch(() => {});
  }
}

/** How `enter` joins: kaiwa or standard, password, and whether the port is announced on TCP. */
export interface EnterOptions {
  kaiwa?: boolean;
  password?: string;
  announce?: boolean;
}

/**
 * Creates or joins a room with `client` and waits until the server bound the client's address
 * (through the port announcement, or a keep-alive). Pending joins are then announced at once,
 * so each member already in the room gets exactly one notice of this arrival.
 * A kaiwa client gets its MEMBERS event from the keep-alive: the caller reads it.
 */
export async function enter(
  test: TestServer,
  client: UdpClient,
  operation: number,
  room: string,
  username: string,
  options: EnterOptions = {},
): Promise<string> {
  const answer = await tcrpRequest(
    test.tcpPort,
    operation,
    room,
    roomRequest(username, options),
    options.announce ? { announcePort: client.port } : {},
  );
  const token = answer.token;
  if (answer.status !== Status.Ok || token === null) {
    throw new Error(`Cannot enter room ${room}: status ${answer.status}`);
  }
  if (!options.announce) await client.send(test.udp, room, token, new Uint8Array(0));
  await waitFor(() => test.server.state.memberByToken(token)?.address != null, `${username} bound`);
  test.server.state.flushJoins(test.clock.now());
  return token;
}

/**
 * Opens a TCP connection to the test server from `localAddress`: 127.0.0.2 and friends stand for
 * other hosts (Deno.connect cannot choose its source address; node:net can).
 */
export function connectFrom(localAddress: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: "127.0.0.1", port, localAddress });
    socket.once("connect", () => {
      socket.off("error", reject);
      // Errors after the connection (a reset by the server) end it like a close does.
      socket.on("error", () => {});
      resolve(socket);
    });
    socket.once("error", reject);
  });
}

/** Resolves with everything `socket` received once the other side has closed it. */
export function receivedUntilClosed(socket: net.Socket): Promise<Uint8Array> {
  const chunks: Uint8Array[] = [];
  socket.on("data", (chunk: Uint8Array) => chunks.push(chunk));
  return new Promise((resolve) => {
    const done = () => resolve(Uint8Array.from(chunks.flatMap((chunk) => [...chunk])));
    if (socket.destroyed) done();
    else socket.once("close", done);
  });
}

/** Destroys node sockets and waits until each one is closed. */
export async function destroyAll(sockets: readonly net.Socket[]): Promise<void> {
  const closed = sockets.map((socket) =>
    socket.destroyed ? Promise.resolve() : new Promise((resolve) => socket.once("close", resolve))
  );
  for (const socket of sockets) socket.destroy();
  await Promise.all(closed);
}

/**
 * Sends one TCRP request from `localAddress` and returns the status of the answer, or null when
 * the server closed the connection without one.
 */
export async function tcrpStatusFrom(
  localAddress: string,
  port: number,
  operation: number,
  roomName: string,
  payload: Payload,
): Promise<number | null> {
  const body = payload === null
    ? new Uint8Array(0)
    : payload instanceof Uint8Array
    ? payload
    : encodeRoomRequest(payload);
  const socket = await connectFrom(localAddress, port);
  const received = receivedUntilClosed(socket);
  socket.write(encodeTcrpFrame({ operation, state: State.Request, roomName, payload: body }));
  // The server closes after the answer (after the token, once the announcement deadline passes):
  // ending our side makes it close at once.
  socket.end();
  const frames = new TcrpFrameReader().push(await received);
  return frames.length === 0 ? null : decodeStatus(frames[0]);
}

/** A hasher whose hashes wait for `release` while `held`, counting what runs. */
export class GatedHasher implements PasswordHasher {
  held = false;
  started = 0;
  running = 0;
  peak = 0;
  readonly #waiting: (() => void)[] = [];

  hash(password: string): Promise<PasswordHash> {
    return this.#run(() => ({ salt: new Uint8Array(1), key: encoder.encode(password) }));
  }

  verify(password: string, hash: PasswordHash): Promise<boolean> {
    return this.#run(() => decoder.decode(hash.key) === password);
  }

  /** Lets every held hash finish, and the ones to come run at once. */
  release(): void {
    this.held = false;
    for (const go of this.#waiting.splice(0)) go();
  }

  async #run<T>(result: () => T): Promise<T> {
    this.started += 1;
    this.running += 1;
    this.peak = Math.max(this.peak, this.running);
    if (this.held) await new Promise<void>((go) => this.#waiting.push(go));
    this.running -= 1;
    return result();
  }
}

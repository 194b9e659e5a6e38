/**
 * The web port: serves the browser client's files and upgrades `/ws` to a WebSocket speaking
 * kaiwa's events as JSON (docs/protocol.md §9). A small HTTP/1.1 server on a plain listener, as
 * the metrics port is, because every cost must be bounded and Deno.serve bounds neither
 * connections per IP nor WebSocket frame sizes:
 *
 * - at most `maxConnections` connections, `maxConnectionsPerIp` from one IPv4 address or IPv6
 *   /64, of which `maxIncompletePerIp` still sending their request head (the TCP port's caps,
 *   counted apart); more are closed at once;
 * - a request head of at most {@linkcode MAX_HEAD_BYTES}, within `--request-timeout`; no body is
 *   read, one request per connection;
 * - a WebSocket reads frames and messages of at most {@linkcode MAX_MESSAGE_BYTES}, at most
 *   {@linkcode MESSAGE_RATE} a second, holds at most {@linkcode MAX_QUEUED_BYTES} for a slow
 *   reader, and closes after `--timeout` without a frame;
 * - a member whose WebSocket ended without leaving is held in its room for `resumeGraceSeconds`
 *   (a page reloading or changing networks resumes it): it holds no connection, and still counts
 *   against its source's member and room caps, so a source holds at most
 *   `--max-members-per-ip` members with or without WebSockets.
 *
 * With a TLS identity, a connection that opens with a TLS handshake is served HTTPS and WSS with
 * it, as the TCP port sniffs (docs/protocol.md §2.8); other connections are plain HTTP.
 *
 * @module
 */

import {
  type ByteConn,
  CountsByKey,
  errorMessage,
  MS_PER_SECOND,
  readRequestHead,
  writeAll,
} from "../../util/mod.ts";
import { ListenError } from "../listen.ts";
import { type Member, sourceKey } from "../state/mod.ts";
import {
  acceptNext,
  closeQuietly,
  Deadline,
  openConnection,
  type SessionContext,
} from "../tcp/mod.ts";
import type { TlsOnDemand } from "../tls/mod.ts";
import { BrowserMembers } from "./browser_members.ts";
import { BrowserSession } from "./browser_session.ts";
import { acceptValue, checkUpgrade } from "./handshake.ts";
import { parseRequestHead, type RequestHead } from "./http_request.ts";
import { PAGE_FILES } from "./page_files.ts";
import { isWebAddress, type WebRoutes } from "./routes.ts";
import { WebSocketConnection, type WebSocketLimits } from "./ws_connection.ts";
import { CloseCode } from "./ws_frame.ts";

/** Largest request head read: a browser's GET with its headers is well under 2 KiB. */
export const MAX_HEAD_BYTES = 8 * 1024;
/**
 * Largest WebSocket frame and message read: a chat message is at most 4 KiB of UTF-8, which JSON
 * may escape to a few times that.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024;
/**
 * Most bytes queued for one slow WebSocket: the history a member gets on joining (64 KiB of
 * messages, a little more as JSON) and then some.
 */
export const MAX_QUEUED_BYTES = 256 * 1024;
/** Messages a page may send per second: twice what flood control lets a member say. */
export const MESSAGE_RATE = 10;
/** Messages a page may send at once: two seconds of {@linkcode MESSAGE_RATE}. */
export const MESSAGE_BURST = 20;
/** The path of the WebSocket endpoint. */
export const WEBSOCKET_PATH = "/ws";

const encoder = new TextEncoder();

/** What the web port is told at the start. */
export interface WebFrontOptions {
  /** Address to listen on (`--web-host`, else `--host`). */
  readonly host: string;
  /** Port to listen on (`--web-port`); 0 picks a free one. */
  readonly port: number;
  /** Origins allowed besides the page's own (`--web-allowed-origin`). */
  readonly allowedOrigins: readonly string[];
  /** Most connections at once (`--max-connections`, counted apart from the TCP port's). */
  readonly maxConnections: number;
  /** Most connections at once from one IPv4 address or IPv6 /64 (`--max-connections-per-ip`). */
  readonly maxConnectionsPerIp: number;
  /**
   * Most connections from one source that have not sent their whole request head yet
   * (`--max-incomplete-per-ip`): half-sent requests cannot hold every connection of a source.
   */
  readonly maxIncompletePerIp: number;
  /** Seconds a WebSocket may stay without a frame from its page (`--timeout`). */
  readonly timeoutSeconds: number;
  /**
   * Seconds a member whose WebSocket ended without leaving stays in its room for its page to
   * resume it (the server passes `--bind-timeout`: how long any member may be without a path).
   */
  readonly resumeGraceSeconds: number;
}

/** Serves the browser client until closed. */
export class WebFront {
  readonly #listener: Deno.TcpListener;
  readonly #options: WebFrontOptions;
  readonly #ctx: SessionContext;
  readonly #routes: WebRoutes;
  readonly #tls: TlsOnDemand | null;
  readonly #limits: WebSocketLimits;
  readonly #members: BrowserMembers<Member, BrowserSession>;
  readonly #perSource = new CountsByKey();
  /** Connections per source still sending their request head. */
  readonly #incomplete = new CountsByKey();
  readonly #open = new Set<Deno.Conn>();
  readonly #sockets = new Set<WebSocketConnection>();
  readonly #served = new Set<Promise<void>>();
  readonly #loop: Promise<void>;
  /** False once the port stops taking new WebSockets and entries ({@link WebFront.stopEntries}). */
  #admitting = true;
  #closed = false;

  /**
   * Binds the web port and starts serving; browser members are admitted through `ctx` (as TCRP
   * requests are) and reached through `routes`.
   *
   * @throws {ListenError} when the address cannot be bound.
   */
  constructor(
    options: WebFrontOptions,
    ctx: SessionContext,
    routes: WebRoutes,
    tls: TlsOnDemand | null,
  ) {
    try {
      this.#listener = Deno.listen({ hostname: options.host, port: options.port });
    } catch (cause) {
      throw new ListenError(options.host, options.port, { cause });
    }
    this.#options = options;
    this.#ctx = ctx;
    this.#routes = routes;
    this.#tls = tls;
    this.#limits = {
      maxFrameBytes: MAX_MESSAGE_BYTES,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      maxQueuedBytes: MAX_QUEUED_BYTES,
      messageRate: MESSAGE_RATE,
      messageBurst: MESSAGE_BURST,
      idleMs: options.timeoutSeconds * MS_PER_SECOND,
      closeWaitMs: CLOSE_WAIT_MS,
    };
    this.#members = new BrowserMembers(options.resumeGraceSeconds * MS_PER_SECOND);
    this.#loop = this.#accept();
  }

  /** Where the web port listens. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /** Connections open now: pages loading and WebSockets. */
  get connections(): number {
    return this.#open.size;
  }

  /** Members held without a WebSocket now, for their pages to resume them. */
  get heldMembers(): number {
    return this.#members.held;
  }

  /**
   * `member` was resumed with its token (docs/protocol.md §2.5), by a page or by a kaiwa client
   * over TCP: the state's `memberResumed` event, told during the resume. Its member now answers
   * to whoever resumed it, from that one's IP, so the page that spoke for it until now, if one
   * did, is told (`removed`, `resumed-elsewhere`) and let go there and then: left seated, its
   * messages would be dropped as coming from an address the member left, and nothing would say
   * so. A page that resumed the member seats itself right after.
   */
  resumed(member: Member): void {
    this.#members.pageOf(member)?.displaced();
  }

  /**
   * Makes the held members whose grace ended by `now` (ms) go, told as timed out (the page did
   * not come back; nothing says its user chose to leave). A member its token brought back
   * elsewhere is left alone: a kaiwa client that resumed it over TCP and whose datagrams moved its
   * address off the web side speaks for it now. (Only its first datagram's round trip after the
   * resume is a window in which the grace may still end it.)
   */
  sweep(now: number): void {
    for (const member of this.#members.expire(now)) {
      if (member.active && member.address !== null && isWebAddress(member.address)) {
        this.#ctx.state.timeOut(member, now);
      }
    }
  }

  /**
   * From now on takes no new connection (a page's WebSocket is refused) and lets no page into a
   * room: a `create` or `join` gets an `error` saying the server is shutting down, and one being
   * answered (its password hashed) is withdrawn. The server's shutdown calls it where the TCP
   * port stops, so that no page enters a room only to have it closed under it; the pages in a
   * room stay, to be told goodbye, until {@link WebFront.close}.
   */
  stopEntries(): void {
    if (!this.#admitting) return;
    this.#admitting = false;
    this.#listener.close();
  }

  /**
   * Stops accepting and closes every connection; a WebSocket's member leaves its room, held or
   * not (no page can come back). Resolves once every connection has ended.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.stopEntries();
    await this.#loop;
    // Each page reads what was queued for it (a shutdown notice) and a Close; what has not
    // ended after the grace is cut.
    for (const socket of this.#sockets) {
      socket.close(CloseCode.GoingAway, "the server is shutting down");
    }
    const cut = setTimeout(() => {
      for (const conn of this.#open) closeQuietly(conn);
    }, CLOSE_GRACE_MS);
    try {
      await Promise.all(this.#served);
    } finally {
      clearTimeout(cut);
    }
    this.#leave(this.#members.expire(Number.POSITIVE_INFINITY), this.#ctx.now());
  }

  /** Makes `members` leave their rooms at `now`, those still in them. */
  #leave(members: readonly Member[], now: number): void {
    for (const member of members) {
      if (member.active) this.#ctx.state.leave(member, now);
    }
  }

  async #accept(): Promise<void> {
    for (;;) {
      const conn = await acceptNext(this.#listener, () => !this.#admitting, this.#ctx.log, "web");
      if (conn === null) return;
      const ip = (conn.remoteAddr as Deno.NetAddr).hostname;
      const source = sourceKey(ip);
      if (
        this.#perSource.get(source) >= this.#options.maxConnectionsPerIp ||
        this.#open.size >= this.#options.maxConnections ||
        this.#incomplete.get(source) >= this.#options.maxIncompletePerIp
      ) {
        this.#ctx.refusals.refused(ip, "verbose", `web: refused a connection from ${ip}: too many`);
        closeQuietly(conn);
        continue;
      }
      this.#perSource.add(source, 1);
      this.#open.add(conn);
      this.#incomplete.add(source, 1);
      let headDone = false;
      const complete = () => {
        if (headDone) return;
        headDone = true;
        this.#incomplete.add(source, -1);
      };
      const served = this.#serve(conn, ip, complete).finally(() => {
        complete();
        this.#open.delete(conn);
        this.#perSource.add(source, -1);
        this.#served.delete(served);
      });
      this.#served.add(served);
    }
  }

  /**
   * Reads one request and answers it (a file, an error, or a WebSocket); never throws. Calls
   * `headRead` once the request head is in (or could not be).
   */
  async #serve(raw: Deno.Conn, ip: string, headRead: () => void): Promise<void> {
    const deadline = new Deadline(raw);
    deadline.restart(this.#ctx.requestTimeoutMs);
    let conn: ByteConn = raw;
    try {
      const opened = await openConnection(raw, this.#tls, this.#ctx.headerTimeoutMs);
      if (opened === null) return;
      conn = opened.conn;
      const read = await readRequestHead(conn, MAX_HEAD_BYTES);
      headRead();
      const head = read.kind === "head" ? parseRequestHead(read.head) : null;
      if (read.kind !== "head" || head === null) {
        return await respond(conn, 400, BAD_HEAD_REASONS[read.kind]);
      }
      if (head.path === WEBSOCKET_PATH) {
        const upgrade = checkUpgrade(head, opened.secure, this.#options.allowedOrigins);
        if ("status" in upgrade) {
          this.#ctx.refusals.refused(
            ip,
            "verbose",
            `web: refused an upgrade from ${ip}: ${upgrade.reason}`,
          );
          return await respond(conn, upgrade.status, upgrade.reason, { headers: upgrade.headers });
        }
        deadline.clear();
        return await this.#webSocket(conn, ip, upgrade.key, read.rest);
      }
      await serveFile(conn, head);
    } catch (error) {
      this.#ctx.log.verbose(`web: a connection from ${ip} ended: ${errorMessage(error)}`);
    } finally {
      deadline.clear();
      closeQuietly(conn);
      closeQuietly(raw);
    }
  }

  async #webSocket(conn: ByteConn, ip: string, key: string, early: Uint8Array): Promise<void> {
    await writeAll(
      conn,
      encoder.encode(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
          `Sec-WebSocket-Accept: ${await acceptValue(key)}\r\n\r\n`,
      ),
    );
    let session: BrowserSession | null = null;
    const socket = new WebSocketConnection(conn, this.#limits, {
      onText: (text) => this.#ctx.faults.guard("a web message", () => session?.receive(text)),
      onClose: (reason) => {
        this.#ctx.log.verbose(`web: WebSocket from ${ip} ended: ${reason}`);
        this.#ctx.faults.guard("a web close", () => session?.closed());
      },
    }, this.#ctx.now);
    session = new BrowserSession(
      socket,
      ip,
      this.#ctx,
      this.#routes,
      this.#members,
      () => this.#admitting,
    );
    this.#sockets.add(socket);
    this.#ctx.log.verbose(`web: WebSocket from ${ip}`);
    try {
      await socket.run(early);
    } finally {
      this.#sockets.delete(socket);
    }
  }
}

/** How long closing waits for the pages to take their Close before cutting the connections. */
const CLOSE_GRACE_MS = 1_000;

/**
 * Milliseconds a WebSocket waits for the page's Close after sending its own, and for its last
 * frames to be written: a live page answers within a round trip, so 2 s spares a slow network
 * while a page that went silent holds its connection (and its source's connection slot) no
 * longer than that.
 */
const CLOSE_WAIT_MS = 2_000;

/** The body of a 400 for a request head, by what reading it found. */
const BAD_HEAD_REASONS = {
  "head": "bad request head",
  "bare-line-ending": "request head lines must end in CR LF",
  "too-long": `request head over ${MAX_HEAD_BYTES} bytes`,
} as const;

/** The reason phrase of each status the web port answers with. */
const REASONS: Record<number, string> = {
  200: "OK",
  400: "Bad Request",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  426: "Upgrade Required",
};

/**
 * What every answer carries: the page may load only its own files and talk only to its own
 * origin (the WebSocket is `connect-src 'self'`), may not be framed, and sends no referrer.
 */
const SECURITY_HEADERS = [
  "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; " +
  "img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "X-Content-Type-Options: nosniff",
  "Referrer-Policy: no-referrer",
  "Cache-Control: no-cache",
];

/** Answers a GET or HEAD for one of the page's files. */
async function serveFile(conn: ByteConn, head: RequestHead): Promise<void> {
  if (head.method !== "GET" && head.method !== "HEAD") {
    return await respond(conn, 405, "only GET and HEAD");
  }
  const file = PAGE_FILES.get(head.path);
  if (file === undefined) return await respond(conn, 404, "not found");
  await respond(conn, 200, file.body, { type: file.type, headOnly: head.method === "HEAD" });
}

/** How an answer is written besides its status and body. */
interface AnswerOptions {
  /** Its `Content-Type`: plain text unless given. */
  readonly type?: string;
  /** True to write the head alone (a HEAD request). */
  readonly headOnly?: boolean;
  /** Header fields it carries besides the usual ones, as `Name: value`. */
  readonly headers?: readonly string[];
}

/** Writes a whole answer (head and body) and lets the caller close. */
async function respond(
  conn: ByteConn,
  status: number,
  body: string | Uint8Array,
  { type = "text/plain; charset=utf-8", headOnly = false, headers = [] }: AnswerOptions = {},
): Promise<void> {
  const bytes = typeof body === "string" ? encoder.encode(body) : body;
  const head = [
    `HTTP/1.1 ${status} ${REASONS[status]}`,
    `Content-Type: ${type}`,
    `Content-Length: ${bytes.length}`,
    ...headers,
    ...SECURITY_HEADERS,
    "Connection: close",
    "",
    "",
  ].join("\r\n");
  await writeAll(conn, encoder.encode(head));
  if (!headOnly) await writeAll(conn, bytes);
}

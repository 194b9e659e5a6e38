/**
 * The metrics port: a minimal HTTP/1.1 server answering `GET /metrics` (Prometheus text) and
 * `GET /healthz`, one request per connection. Every cost is bounded: at most
 * {@linkcode MAX_METRICS_CONNECTIONS} connections at once and
 * {@linkcode MAX_METRICS_CONNECTIONS_PER_IP} from one source (more are closed unanswered), a request
 * head of at most {@linkcode MAX_REQUEST_HEAD_BYTES} read within
 * {@linkcode METRICS_REQUEST_TIMEOUT_MS}, no body read, and an answer whose size depends on no
 * client (the metrics have fixed label sets). Deno.serve offers no cap on connections or on the
 * time a request head may take, hence this small server on a plain listener.
 *
 * @module
 */

import { CountsByKey, errorMessage, readRequestHead, writeAll } from "../../util/mod.ts";
import { ListenError } from "../listen.ts";
import type { Logger } from "../log.ts";
import { sourceKey } from "../state/mod.ts";
import { acceptNext, closeQuietly, Deadline } from "../tcp/mod.ts";

/** Most connections served at once: a scraper and a probe or two need far fewer. */
export const MAX_METRICS_CONNECTIONS = 8;
/**
 * Most connections served at once from one IPv4 address or IPv6 /64: a scraper and a probe. Less
 * than {@linkcode MAX_METRICS_CONNECTIONS}, so that one source holding connections open (each may
 * for {@linkcode METRICS_REQUEST_TIMEOUT_MS}) cannot lock the others' scraper out.
 */
export const MAX_METRICS_CONNECTIONS_PER_IP = 2;
/** Largest request head read: a scraper's GET with its headers is a few hundred bytes. */
export const MAX_REQUEST_HEAD_BYTES = 4096;
/** Time a connection has to send its whole request head. */
export const METRICS_REQUEST_TIMEOUT_MS = 2000;

/** The content type of the Prometheus text format, version 0.0.4. */
const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
const encoder = new TextEncoder();

/** What the endpoint answers from. */
export interface MetricsHandlers {
  /** The exposition, built now. */
  metrics(): Promise<string>;
  /**
   * Why this node should get no new clients now (shutting down, cut off from the cluster's
   * broker), one line: `/healthz` then answers 503 with it; null while it serves (200).
   */
  unavailable(): string | null;
}

/** An HTTP answer before encoding. */
interface Answer {
  readonly status: number;
  readonly reason: string;
  readonly type: string;
  readonly body: string;
}

const plain = (status: number, reason: string, body: string): Answer => ({
  status,
  reason,
  type: "text/plain; charset=utf-8",
  body: `${body}\n`,
});

/** Serves `/metrics` and `/healthz` on a TCP listener until closed. */
export class MetricsEndpoint {
  readonly #listener: Deno.TcpListener;
  readonly #handlers: MetricsHandlers;
  readonly #log: Logger;
  readonly #open = new Set<Deno.Conn>();
  readonly #perSource = new CountsByKey();
  readonly #served = new Set<Promise<void>>();
  readonly #loop: Promise<void>;
  #closed = false;

  /**
   * Binds `host`:`port` (0 picks a free port) and starts serving.
   *
   * @throws {ListenError} when the address cannot be bound.
   */
  constructor(host: string, port: number, handlers: MetricsHandlers, log: Logger) {
    try {
      this.#listener = Deno.listen({ hostname: host, port, transport: "tcp" });
    } catch (cause) {
      throw new ListenError(host, port, { cause });
    }
    this.#handlers = handlers;
    this.#log = log;
    this.#loop = this.#accept();
  }

  /** Where the endpoint listens. */
  get addr(): Deno.NetAddr {
    return this.#listener.addr;
  }

  /** Stops accepting, closes the open connections and waits for them to end. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listener.close();
    await this.#loop;
    for (const conn of this.#open) closeQuietly(conn);
    await Promise.all(this.#served);
  }

  async #accept(): Promise<void> {
    for (;;) {
      const conn = await acceptNext(this.#listener, () => this.#closed, this.#log, "metrics");
      if (conn === null) return;
      const source = sourceKey((conn.remoteAddr as Deno.NetAddr).hostname);
      if (
        this.#open.size >= MAX_METRICS_CONNECTIONS ||
        this.#perSource.get(source) >= MAX_METRICS_CONNECTIONS_PER_IP
      ) {
        closeQuietly(conn);
        continue;
      }
      this.#open.add(conn);
      this.#perSource.add(source, 1);
      const served = this.#serve(conn).finally(() => {
        this.#open.delete(conn);
        this.#perSource.add(source, -1);
        this.#served.delete(served);
      });
      this.#served.add(served);
    }
  }

  /** Reads one request head, answers it, closes; never throws. */
  async #serve(conn: Deno.Conn): Promise<void> {
    const deadline = new Deadline(conn);
    deadline.restart(METRICS_REQUEST_TIMEOUT_MS);
    try {
      const read = await readRequestHead(conn, MAX_REQUEST_HEAD_BYTES);
      const head = read.kind === "head" ? read.head : null;
      const answer = read.kind === "head"
        ? await this.#answer(read.head)
        : read.kind === "too-long"
        ? plain(431, "Request Header Fields Too Large", "request head too large")
        : plain(400, "Bad Request", "request head lines must end in CR LF");
      const body = encoder.encode(answer.body);
      const bytes = [
        `HTTP/1.1 ${answer.status} ${answer.reason}`,
        `Content-Type: ${answer.type}`,
        `Content-Length: ${body.length}`,
        "Connection: close",
        "",
        "",
      ].join("\r\n");
      const method = head?.split(" ", 1)[0];
      await writeAll(conn, encoder.encode(bytes));
      if (method !== "HEAD") await writeAll(conn, body);
    } catch (error) {
      // The deadline, or the client going away: nothing to answer.
      this.#log.verbose(`metrics: a connection ended: ${errorMessage(error)}`);
    } finally {
      deadline.clear();
      closeQuietly(conn);
    }
  }

  async #answer(head: string): Promise<Answer> {
    const [method, target, version] = head.split("\r\n", 1)[0].split(" ");
    if (version === undefined || !version.startsWith("HTTP/1.")) {
      return plain(400, "Bad Request", "bad request line");
    }
    if (method !== "GET" && method !== "HEAD") {
      return plain(405, "Method Not Allowed", "only GET and HEAD");
    }
    const path = target.split("?", 1)[0];
    if (path === "/metrics") {
      return {
        status: 200,
        reason: "OK",
        type: METRICS_CONTENT_TYPE,
        body: await this.#handlers.metrics(),
      };
    }
    if (path === "/healthz") {
      const reason = this.#handlers.unavailable();
      return reason === null ? plain(200, "OK", "ok") : plain(503, "Service Unavailable", reason);
    }
    return plain(404, "Not Found", "not found: try /metrics or /healthz");
  }
}

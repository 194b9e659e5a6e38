/**
 * Assembles a running server from its parts: listeners, state, front ends, outbox and timers.
 *
 * @module
 */

import { errorMessage, MS_PER_SECOND } from "../util/mod.ts";
import type { ClusterNode } from "./cluster/mod.ts";
import { FaultLog } from "./faults.ts";
import { attachFastUdp, FastUdpTransport, RECEIVE_BUFFER_BYTES } from "./fast_udp/mod.ts";
import { Lobby } from "./lobby.ts";
import { bindPair, listenUdp } from "./listen.ts";
import { Logger, type LogSink } from "./log.ts";
import { loadExposition, MetricsEndpoint, ServerMetrics } from "./metrics/mod.ts";
import type { ServeOptions } from "./options.ts";
import { type PasswordHasher, scryptHasher } from "./password.ts";
import { PasswordBudget } from "./password_budget.ts";
import { PasswordThrottle } from "./password_throttle.ts";
import { RefusalLog } from "./refusal_log.ts";
import {
  DropReason,
  loadSealing,
  type Notifier,
  ServerState,
  type StateEvents,
  type TokenGenerator,
} from "./state/mod.ts";
import { stateLog } from "./state_log.ts";
import { type Acceptor, type SessionContext, TcpFront } from "./tcp/mod.ts";
import {
  checkIdentity,
  IdentityError,
  loadIdentity,
  type ServerIdentity,
  TlsOnDemand,
} from "./tls/mod.ts";
import {
  DenoUdpTransport,
  isWildcardHost,
  localAddressesFor,
  MultiAddressTransport,
  type PeerAddress,
  QueueDropReport,
  type TransportContext,
  type TransportEvents,
  type UdpTransport,
} from "./udp/mod.ts";
import { UdpNotifier } from "./udp_notifier.ts";
import { isWebAddress, WebFront, WebRoutes } from "./web/mod.ts";

/** How often timeouts are applied. */
const SWEEP_INTERVAL_MS = 1000;
/** How often pending joins are announced: joins within one tick become one event. */
const JOIN_FLUSH_INTERVAL_MS = 100;
/** How long shutdown waits for the goodbye datagrams to go out; the whole stop stays under 2 s. */
const SHUTDOWN_DRAIN_MS = 1500;

/** What tests (or embedders) may replace. */
export interface ServerDeps {
  /** The clock, in ms since the epoch; events carry it and timeouts follow it. */
  now?: () => number;
  /** Makes tokens. */
  newToken?: TokenGenerator;
  /** Hashes and checks passwords. */
  hasher?: PasswordHasher;
  /** Where log lines go (stderr by default). */
  logSink?: LogSink;
  /**
   * Whether text log lines start with the time (`kaiwa serve` sets it when stderr is not a
   * terminal: a journal or a file keeps lines for later); default false.
   */
  logTimestamps?: boolean;
  /**
   * Sends one datagram from the server's UDP socket (by default `socket.send`); a rejection is a
   * failed delivery. Tests use it to make deliveries fail, as the system cannot be made to.
   */
  send?: (socket: Deno.DatagramConn, bytes: Uint8Array, address: PeerAddress) => Promise<unknown>;
  /**
   * Wraps the TCRP listener (by default it is used as is). Tests use it to make accepts fail the
   * way an exhausted process does, as the system cannot be made to on demand.
   */
  acceptor?: (listener: Deno.TcpListener) => Acceptor;
  /**
   * Grants sessions (sealed datagrams, docs/protocol.md §7) over plain TCP as well as TLS. For
   * tests and benchmarks only (`kaiwa serve --insecure-plain-sessions`): the secret then crosses
   * the network in clear. Default false.
   */
  plainSessions?: boolean;
  /**
   * Whether joins are announced every JOIN_FLUSH_INTERVAL_MS on their own (default true). Tests
   * that make several arrivals one batch turn it off and call `state.flushJoins` themselves: the
   * timer firing between two arrivals would split the batch.
   */
  joinFlushTimer?: boolean;
}

/** A running server. */
export interface ServerHandle {
  /** Where the TCRP listener is bound. */
  readonly tcpAddr: Deno.NetAddr;
  /** Where the UDP socket is bound (the same port as TCP unless port 0 found none free for both). */
  readonly udpAddr: Deno.NetAddr;
  /** Where the Stage 1 lobby is bound, when it is on. */
  readonly lobbyAddr?: Deno.NetAddr;
  /** Where the metrics endpoint (`/metrics`, `/healthz`) is bound, when it is on. */
  readonly metricsAddr?: Deno.NetAddr;
  /** The browser client's port (`--web-port`), when it is on. */
  readonly web?: WebFront;
  /** The server's own counters (datagrams in and out, refusals, join latency). */
  readonly metrics: ServerMetrics;
  /** The state, for tests: rooms, members, drop counters, and sweep/flushJoins to drive time. */
  readonly state: ServerState;
  /** What the state sends through; tests replace its methods to inject faults. */
  readonly notifier: Notifier;
  /** The lobby, when it is on. */
  readonly lobby?: Lobby;
  /**
   * The SHA-256 fingerprint of the TLS certificate (`SHA256:…`) when TCRP is also served over TLS
   * on the TCP port, null when the server speaks plain TCRP only.
   */
  readonly fingerprint: string | null;
  /** The TCRP front end: open connections and the IP addresses they come from. */
  readonly tcp: TcpFront;
  /** Exceptions escaping a handler, counted; each was logged or summed up in a later line. */
  readonly faults: FaultLog;
  /** Stops at once, without telling anyone. */
  close(): Promise<void>;
  /** Tells every member the server is shutting down, waits briefly for that to go out, stops. */
  shutdown(): Promise<void>;
}

/**
 * Binds the listeners and starts serving. Port 0 picks free ports (read them from the handle).
 *
 * With `tlsCert` and `tlsKey`, or a `dataDir` (where a self-signed identity is made on first
 * start), TLS is offered on the TCP port besides plain TCRP; with neither, plain TCRP only.
 *
 * @throws {ListenError} when a listener cannot be bound; nothing stays open then.
 * @throws {IdentityError} when the TLS identity cannot be read, made or used.
 *
 * @example
 * ```ts
 * const server = await startServer({ ...DEFAULT_SERVE_OPTIONS, host: "127.0.0.1", port: 0 });
 * console.log(server.tcpAddr.port);
 * await server.shutdown();
 * ```
 */
export async function startServer(
  options: ServeOptions,
  deps: ServerDeps = {},
): Promise<ServerHandle> {
  const identity = await loadIdentity(options);
  // An operator's own files are checked now: a key that does not match its certificate stops
  // the server with one line rather than failing every TLS client later. The self-signed
  // identity kaiwa makes is a matching pair.
  if (identity !== null && options.tlsCert !== null) checkIdentity(identity);
  // Sessions over plain TCRP (tests) come without the TLS connection that loads their crypto.
  if (deps.plainSessions === true) await loadSealing();
  const exposition = options.metricsPort === null ? null : await loadExposition();
  const cluster = options.cluster === null ? null : await joinCluster(options, options.cluster);
  try {
    return start(options, deps, identity, exposition, cluster);
  } catch (error) {
    await cluster?.close();
    throw error;
  }
}

/** The Prometheus exposition module, loaded only for `--metrics-port`. */
type Exposition = Awaited<ReturnType<typeof loadExposition>>;

/**
 * Connects to the cluster's NATS servers: the NATS client is loaded here, and only here, so that a
 * single node never loads it.
 *
 * @throws {Error} when no NATS server answers or its JetStream cannot hold the registry.
 */
async function joinCluster(
  options: ServeOptions,
  servers: readonly string[],
): Promise<ClusterNode> {
  // The cluster seals for its members (it imports the AEAD itself), and an owner opens sessions
  // for members who came over TLS on other nodes: the state's sessions need the crypto loaded.
  const [{ connectCluster }] = await Promise.all([import("./cluster/mod.ts"), loadSealing()]);
  try {
    return await connectCluster({
      servers,
      nodeId: options.nodeId,
      heartbeatMs: options.clusterHeartbeatSeconds * MS_PER_SECOND,
      deadAfterMs: options.clusterDeadAfterSeconds * MS_PER_SECOND,
    });
  } catch (error) {
    throw new Error(`cannot join the cluster at ${servers.join(",")}: ${errorMessage(error)}`);
  }
}

function start(
  options: ServeOptions,
  deps: ServerDeps,
  identity: ServerIdentity | null,
  exposition: Exposition | null,
  cluster: ClusterNode | null,
): ServerHandle {
  const now = deps.now ?? Date.now;
  const log = new Logger(options.logLevel, deps.logSink, {
    format: options.logFormat,
    timestamps: deps.logTimestamps === true,
    now,
  });
  // TLS loads at the first TLS connection, so an identity its terminator refuses is found then
  // (an operator's pair was checked at start): said once, and every TLS connection is refused.
  // A load that failed is said once too; each TLS connection tries again until one succeeds.
  const tls = identity === null ? null : new TlsOnDemand(identity, (error) => {
    if (error instanceof IdentityError) {
      log.error(`every TLS connection fails: ${errorMessage(error)}`, {
        event: "tls identity unusable",
        reason: errorMessage(error),
      });
    } else {
      log.error(
        `loading TLS failed: ${errorMessage(error)}; TLS connections fail until it loads ` +
          `(tried again at each; plain TCRP and datagrams are served)`,
        { event: "tls load failed", reason: errorMessage(error) },
      );
    }
  });
  const { listener, socket } = bindPair(options.host, options.port);
  let lobbySocket: Deno.DatagramConn | null = null;
  const metrics = new ServerMetrics(exposition?.joinHistogram() ?? null);
  let serving = true;
  // Built on the first scrape: the parts it reads exist by then.
  let registry: ReturnType<Exposition["metricsRegistry"]> | null = null;
  let endpoint: MetricsEndpoint | null = null;
  try {
    if (options.lobbyPort !== null) lobbySocket = listenUdp(options.host, options.lobbyPort);
    if (options.metricsPort !== null && exposition !== null) {
      const { metricsRegistry } = exposition;
      endpoint = new MetricsEndpoint(options.metricsHost, options.metricsPort, {
        metrics: () => {
          registry ??= metricsRegistry({
            state,
            metrics,
            faults,
            udp,
            tcp,
            web,
            ...(cluster === null ? {} : { cluster }),
          });
          return registry.metrics();
        },
        unavailable: () => serving ? cluster?.unavailable() ?? null : "shutting down",
      }, log);
    }
  } catch (error) {
    listener.close();
    socket.close();
    lobbySocket?.close();
    throw error;
  }

  const faults = new FaultLog(log, now);
  // The transport reports to the state, which needs the transport's `send` to exist first.
  const events: TransportEvents = {
    received: (bytes, hostname, port, local) => {
      metrics.datagramsIn += 1;
      // A datagram of a member in a room another node holds goes there.
      if (cluster !== null && cluster.relayIn(bytes, hostname, port, local)) return;
      state.receive(bytes, hostname, port, now(), local);
    },
    oversize: (hostname) => {
      metrics.datagramsIn += 1;
      state.countDrop(DropReason.Oversize, hostname);
    },
    failed: (hostname, port) => {
      metrics.deliveryFailures += 1;
      faults.guard("a delivery report", () => state.unreachable(hostname, port, now()));
    },
  };
  const context: TransportContext = { events, log, faults, sendQueueBytes: options.sendQueueBytes };
  let udpSide: UdpSide;
  try {
    udpSide = openUdp(options, deps, socket, context, now);
  } catch (error) {
    // Only `--udp fast` throws here, having closed its UDP socket.
    listener.close();
    lobbySocket?.close();
    // Its listener closes at once; the rest (no connection yet) ends in the background.
    void endpoint?.close();
    throw error;
  }
  const { transport: udp, rescan } = udpSide;
  const udpDrops = new QueueDropReport(log, "udp", udp);
  // Browser members' addresses belong to the web side: their events go to their WebSockets.
  const webRoutes = new WebRoutes();
  const counted = {
    send: (bytes: Uint8Array, address: PeerAddress, flow?: object) => {
      if (isWebAddress(address)) return webRoutes.deliver(bytes, address);
      if (cluster !== null && cluster.isRemote(address)) return cluster.deliver(bytes, address);
      metrics.datagramsOut += 1;
      udp.send(bytes, address, flow);
    },
  };
  const notifier = new UdpNotifier(counted, options.floodRate, options.whoIntervalSeconds);
  // The web port, made once the state is: the state tells it of resumes (below).
  let web: WebFront | undefined;
  const logged = stateLog(log);
  const stateEvents: StateEvents = {
    ...logged,
    // A resume takes the member from the page that spoke for it, if one did: that page is told.
    memberResumed: (member) => {
      logged.memberResumed(member);
      web?.resumed(member);
    },
  };
  const state = new ServerState(
    options,
    notifier,
    cluster === null ? stateEvents : cluster.watchEvents(stateEvents),
    deps.newToken,
  );
  const refusals = new RefusalLog(log, now, options.logRefusalsPerMinute);
  const sessions: SessionContext = {
    state,
    hasher: deps.hasher ?? scryptHasher,
    hashBudget: new PasswordBudget(options.maxPasswordHashes, options.passwordQueue),
    passwordThrottle: new PasswordThrottle({
      hashesPerIp: options.passwordRate,
      wrongPerRoom: options.wrongPasswordRate,
    }),
    log,
    refusals,
    faults,
    now,
    requestTimeoutMs: options.requestTimeoutSeconds * MS_PER_SECOND,
    headerTimeoutMs: options.headerTimeoutSeconds * MS_PER_SECOND,
    plainSessions: deps.plainSessions === true,
    metrics,
    directory: cluster?.directory,
  };
  cluster?.attach({
    sessions,
    send: (bytes, address) => {
      metrics.datagramsOut += 1;
      udp.send(bytes, address);
    },
    relayIdleMs: (options.timeoutSeconds + options.bindTimeoutSeconds) * MS_PER_SECOND,
  });
  const tcp = new TcpFront(deps.acceptor?.(listener) ?? listener, sessions, options, tls);
  if (options.webPort !== null) {
    try {
      web = new WebFront(
        {
          host: options.webHost ?? options.host,
          port: options.webPort,
          allowedOrigins: options.webAllowedOrigins,
          maxConnections: options.maxConnections,
          maxConnectionsPerIp: options.maxConnectionsPerIp,
          maxIncompletePerIp: options.maxIncompletePerIp,
          timeoutSeconds: options.timeoutSeconds,
          resumeGraceSeconds: options.bindTimeoutSeconds,
        },
        sessions,
        webRoutes,
        tls,
      );
    } catch (error) {
      void tcp.close();
      void udp.close();
      lobbySocket?.close();
      void endpoint?.close();
      throw error;
    }
  }
  const lobby = lobbySocket === null
    ? undefined
    : new Lobby(lobbySocket, options.timeoutSeconds, now, log, faults, options.sendQueueBytes);
  const lobbyDrops = lobby === undefined ? null : new QueueDropReport(log, "lobby", lobby.queue);

  // A timer callback that throws would end the process: each tick is guarded.
  const sweeper = setInterval(() =>
    faults.guard("the timeout sweep", () => {
      state.sweep(now());
      web?.sweep(now());
      rescan();
      lobby?.sweep(now());
      udpDrops.report();
      lobbyDrops?.report();
      refusals.sweep(now());
    }), SWEEP_INTERVAL_MS);
  const flusher = deps.joinFlushTimer === false ? undefined : setInterval(
    () => faults.guard("announcing joins", () => state.flushJoins(now())),
    JOIN_FLUSH_INTERVAL_MS,
  );

  let closing: Promise<void> | null = null;
  const close = () => {
    serving = false;
    closing ??= (async () => {
      clearInterval(sweeper);
      clearInterval(flusher);
      await tcp.close();
      await web?.close();
      await udp.close();
      await lobby?.close();
      await endpoint?.close();
      await cluster?.close();
    })();
    return closing;
  };
  const shutdown = async () => {
    if (closing !== null) return closing;
    serving = false;
    // No new members while the others are told goodbye: neither port lets anyone in from here.
    web?.stopEntries();
    await tcp.close();
    await cluster?.shutdown();
    faults.guard("shutting down", () => state.shutdown(now()));
    log.info("shutting down");
    await udp.drain(SHUTDOWN_DRAIN_MS);
    udpDrops.report();
    lobbyDrops?.report();
    await close();
    log.info(
      `stopped; ${state.counters.total} datagrams dropped unanswered, ${faults.count} faults`,
      { event: "stopped", dropped: state.counters.total, faults: faults.count },
    );
  };

  return {
    tcpAddr: tcp.addr,
    udpAddr: udp.addr,
    lobbyAddr: lobby?.addr,
    metricsAddr: endpoint?.addr,
    web,
    metrics,
    fingerprint: tls?.fingerprint ?? null,
    state,
    notifier,
    lobby,
    tcp,
    faults,
    close,
    shutdown,
  };
}

/**
 * The transport `--udp` asks for: the fast path (`sendmmsg`, `recvmmsg`, ICMP errors read) where
 * it can run, else Deno's one op per datagram. `auto` falls back with one log line saying why;
 * `fast` throws instead (the server does not start).
 *
 * @throws {Error} `--udp fast` and the fast path cannot run on `socket` (then closed).
 */
function makeTransport(
  options: ServeOptions,
  deps: ServerDeps,
  socket: Deno.DatagramConn,
  context: TransportContext,
): UdpTransport {
  const { log } = context;
  const sendDatagram = deps.send;
  // A test's own `send` (to make deliveries fail) only exists on Deno's path.
  if (options.udpPath !== "portable" && sendDatagram === undefined) {
    const fast = attachFastUdp(socket);
    const where = (socket.addr as Deno.NetAddr).hostname;
    if (typeof fast !== "string") {
      log.verbose(`udp ${where}: fast path: sendmmsg and recvmmsg batches, ICMP errors read`);
      log.verbose(
        `udp ${where}: receive buffer ${fast.receiveBuffer} bytes as the kernel reports it ` +
          `(asked for ${RECEIVE_BUFFER_BYTES}; it reports twice what it grants, capped by ` +
          `net.core.rmem_max)`,
      );
      return new FastUdpTransport(socket, fast, context);
    }
    if (options.udpPath === "fast") {
      socket.close();
      throw new Error(`--udp fast cannot run on ${where}: ${fast}`);
    }
    log.info(`udp ${where}: the fast path cannot run (${fast}); using Deno's sockets`);
  }
  return new DenoUdpTransport(
    socket,
    context,
    sendDatagram === undefined
      ? undefined
      : (bytes, address) => sendDatagram(socket, bytes, address),
  );
}

/** The server's UDP side: its transport, and what to run on each sweep. */
interface UdpSide {
  readonly transport: UdpTransport;
  /** Serves the local addresses that appeared since the start (a wildcard host); else nothing. */
  readonly rescan: () => void;
}

/** How often a wildcard host looks for local addresses that appeared since the start. */
const RESCAN_INTERVAL_MS = 30_000;

/**
 * The UDP sockets for `options.host`. A specific host: `socket` alone. A wildcard host: one socket
 * per local address instead, each bound exclusively on `socket`'s port (which is then closed), so
 * that each member's replies leave from the address it sent to (docs/protocol.md §2.6) and no
 * other local program can share the port. Reading the addresses needs
 * `--allow-sys=networkInterfaces`; without it, or when none can be bound, the wildcard `socket`
 * serves alone and the system picks each reply's source address.
 */
function openUdp(
  options: ServeOptions,
  deps: ServerDeps,
  socket: Deno.DatagramConn,
  context: TransportContext,
  now: () => number,
): UdpSide {
  const single = (on: Deno.DatagramConn) => ({
    transport: makeTransport(options, deps, on, context),
    rescan: () => {},
  });
  if (!isWildcardHost(options.host)) return single(socket);
  const { log } = context;
  const addresses = readLocalAddresses(options.host, log);
  if (addresses === null || addresses.length === 0) return single(socket);
  const port = (socket.addr as Deno.NetAddr).port;
  const open = (address: string): UdpTransport | null => {
    let own: Deno.DatagramConn;
    try {
      own = listenUdp(address, port);
    } catch (error) {
      log.info(`udp: cannot serve ${address}: ${errorMessage(error)}`);
      return null;
    }
    const events: TransportEvents = {
      ...context.events,
      received: (bytes, hostname, from) => context.events.received(bytes, hostname, from, address),
    };
    try {
      // Each address's socket takes the path `--udp` asks for.
      return makeTransport(options, deps, own, { ...context, events });
    } catch (error) {
      log.info(`udp: cannot serve ${address}: ${errorMessage(error)}`);
      return null;
    }
  };
  // The wildcard socket must go before the addresses can be bound without sharing the port.
  socket.close();
  const byLocal = new Map<string, UdpTransport>();
  for (const address of addresses) {
    const transport = open(address);
    if (transport !== null) byLocal.set(address, transport);
  }
  if (byLocal.size === 0) {
    log.info("udp: no local address could be bound; serving the wildcard address");
    return single(listenUdp(options.host, port));
  }
  log.verbose(`udp: serving each local address on its own socket: ${[...byLocal.keys()]}`);
  const multi = new MultiAddressTransport(byLocal);
  let lastScan = now();
  return {
    transport: multi,
    rescan: () => {
      if (now() - lastScan < RESCAN_INTERVAL_MS) return;
      lastScan = now();
      const known = new Set(multi.locals);
      for (const address of readLocalAddresses(options.host, log) ?? []) {
        if (known.has(address)) continue;
        const transport = open(address);
        if (transport !== null) {
          log.info(`udp: now serving ${address}`);
          multi.add(address, transport);
        }
      }
    },
  };
}

/**
 * The local addresses of `host`'s family, or null (said once in the log) when they cannot be
 * read: no `--allow-sys=networkInterfaces`, or the system refused.
 */
function readLocalAddresses(host: string, log: Logger): string[] | null {
  try {
    const permission = Deno.permissions.querySync({ name: "sys", kind: "networkInterfaces" });
    if (permission.state !== "granted") {
      log.info(
        "udp: replies leave from the address the system picks (needs --allow-sys=networkInterfaces)",
      );
      return null;
    }
    return localAddressesFor(host, Deno.networkInterfaces());
  } catch (error) {
    log.info(`udp: cannot read the local addresses: ${errorMessage(error)}`);
    return null;
  }
}

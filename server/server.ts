/**
 * Assembles a running server from its parts: listeners, state, front ends, outbox and timers.
 *
 * @module
 */

import { FaultLog } from "./faults.ts";
import { Lobby } from "./lobby.ts";
import { bindPair, listenUdp } from "./listen.ts";
import { Logger, type LogSink } from "./log.ts";
import type { ServeOptions } from "./options.ts";
import { BatchOutbox, SEND_AT_ONCE_THRESHOLD } from "./batch_outbox.ts";
import { MmsgReceiver } from "./fast_udp/mmsg_receiver.ts";
import type { UnreachableHandler } from "./fast_udp/error_queue.ts";
import { attachFastUdp } from "./fast_udp/mod.ts";
import { type DatagramQueue, type DeliveryListener, Outbox, type SendDatagram } from "./outbox.ts";
import { type PasswordHasher, scryptHasher } from "./password.ts";
import { ServerState, type TokenGenerator, type UdpAddress } from "./state/mod.ts";
import { TcpFront } from "./tcp_front.ts";
import { type BatchReceive, RECEIVE_BUFFER_SIZE, UdpFront } from "./udp_front.ts";
import { UdpNotifier } from "./udp_notifier.ts";

const MS_PER_SECOND = 1000;
/** How often timeouts are applied. */
export const SWEEP_INTERVAL_MS = 1000;
/** How often pending joins are announced: joins within one tick become one event. */
export const JOIN_FLUSH_INTERVAL_MS = 100;
/** How long shutdown waits for the goodbye datagrams to go out; the whole stop stays under 2 s. */
export const SHUTDOWN_DRAIN_MS = 1500;

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
   * Sends one datagram from the server's UDP socket (by default `socket.send`); a rejection is a
   * failed delivery. Tests use it to make deliveries fail, as the system cannot be made to.
   */
  send?: (socket: Deno.DatagramConn, bytes: Uint8Array, address: UdpAddress) => Promise<unknown>;
}

/** A running server. */
export interface ServerHandle {
  /** Where the TCRP listener is bound. */
  readonly tcpAddr: Deno.NetAddr;
  /** Where the UDP socket is bound (the same port as TCP unless port 0 found none free for both). */
  readonly udpAddr: Deno.NetAddr;
  /** Where the Stage 1 lobby is bound, when it is on. */
  readonly lobbyAddr?: Deno.NetAddr;
  /** The state, for tests: rooms, members, drop counters, and sweep/flushJoins to drive time. */
  readonly state: ServerState;
  /** The lobby, when it is on. */
  readonly lobby?: Lobby;
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
 * @throws {ListenError} when a listener cannot be bound; nothing stays open then.
 *
 * @example
 * ```ts
 * const server = await startServer({ ...DEFAULT_SERVE_OPTIONS, host: "127.0.0.1", port: 0 });
 * console.log(server.tcpAddr.port);
 * await server.shutdown();
 * ```
 */
export function startServer(options: ServeOptions, deps: ServerDeps = {}): Promise<ServerHandle> {
  try {
    return Promise.resolve(start(options, deps));
  } catch (error) {
    return Promise.reject(error);
  }
}

function start(options: ServeOptions, deps: ServerDeps): ServerHandle {
  const now = deps.now ?? Date.now;
  const log = new Logger(options.logLevel, deps.logSink);
  const { listener, socket } = bindPair(options.host, options.port);
  let lobbySocket: Deno.DatagramConn | null = null;
  if (options.lobbyPort !== null) {
    try {
      lobbySocket = listenUdp(options.host, options.lobbyPort);
    } catch (error) {
      listener.close();
      socket.close();
      throw error;
    }
  }

  const faults = new FaultLog(log, now);
  // Deliveries are reported from the sender, which only runs once `state` exists.
  const onDelivery: DeliveryListener = (member, delivered) =>
    faults.guard("a delivery report", () => {
      if (delivered) state.deliverySucceeded(member);
      else state.deliveryFailed(member, now());
    });
  const onUnreachable: UnreachableHandler = (hostname, port) =>
    faults.guard("an ICMP error report", () => state.unreachable(hostname, port, now()));
  const { outbox, batch, release } = makeOutbox(options, deps, socket, log, {
    onDelivery,
    onUnreachable,
  });
  const state = new ServerState(
    options,
    new UdpNotifier(outbox, options.floodRate),
    log,
    deps.newToken,
  );
  const tcp = new TcpFront(listener, {
    state,
    hasher: deps.hasher ?? scryptHasher,
    log,
    faults,
    now,
    requestTimeoutMs: options.requestTimeoutSeconds * MS_PER_SECOND,
  }, options);
  const udp = new UdpFront(socket, state, now, log, faults, batch);
  const lobby = lobbySocket === null
    ? undefined
    : new Lobby(lobbySocket, options.timeoutSeconds, now, log, faults);

  // A timer callback that throws would end the process: each tick is guarded.
  const sweeper = setInterval(() =>
    faults.guard("the timeout sweep", () => {
      state.sweep(now());
      lobby?.sweep(now());
    }), SWEEP_INTERVAL_MS);
  const flusher = setInterval(
    () => faults.guard("announcing joins", () => state.flushJoins(now())),
    JOIN_FLUSH_INTERVAL_MS,
  );

  let closing: Promise<void> | null = null;
  const close = () => {
    closing ??= (async () => {
      clearInterval(sweeper);
      clearInterval(flusher);
      await tcp.close();
      // The batched path sends on the socket's descriptor: stop it before the socket closes.
      if (release !== null) await outbox.close();
      await udp.close();
      await outbox.close();
      release?.();
      await lobby?.close();
    })();
    return closing;
  };
  const shutdown = async () => {
    if (closing !== null) return closing;
    // No new members while the others are told goodbye.
    await tcp.close();
    faults.guard("shutting down", () => state.shutdown(now()));
    log.info("shutting down");
    await outbox.drain(SHUTDOWN_DRAIN_MS);
    await close();
    log.info(
      `stopped; ${state.counters.total} datagrams dropped unanswered, ${faults.count} faults`,
    );
  };

  return {
    tcpAddr: tcp.addr,
    udpAddr: udp.addr,
    lobbyAddr: lobby?.addr,
    state,
    lobby,
    tcp,
    faults,
    close,
    shutdown,
  };
}

/** The outbox, the batched receive and what to release once closed (the fast path's libc). */
interface OutboxChoice {
  readonly outbox: DatagramQueue;
  readonly batch: BatchReceive | null;
  readonly release: (() => void) | null;
}

/** Where the outbox reports what became of the datagrams it sent. */
interface DeliveryReports {
  /** Each datagram to a member, sent or refused. */
  readonly onDelivery: DeliveryListener;
  /** Each address an ICMP error declared unreachable (fast path only). */
  readonly onUnreachable: UnreachableHandler;
}

/**
 * The batched `sendmmsg` outbox and `recvmmsg` receive when `--fast-udp` asks for them and they
 * can run, else Deno's one op per datagram.
 */
function makeOutbox(
  options: ServeOptions,
  deps: ServerDeps,
  socket: Deno.DatagramConn,
  log: Logger,
  reports: DeliveryReports,
): OutboxChoice {
  const { onDelivery, onUnreachable } = reports;
  const sendDatagram = deps.send;
  // A test's own `send` (to make deliveries fail) only exists on Deno's path.
  if (options.fastUdp && sendDatagram === undefined) {
    const fast = attachFastUdp(socket);
    if (typeof fast !== "string") {
      log.verbose("udp: --fast-udp on: sendmmsg and recvmmsg batches, ICMP errors read");
      // A datagram the kernel took may still come back as an ICMP error: taking it is no
      // success, or it would wipe the failures those errors count. Refusals still count.
      const onRefused: DeliveryListener = (member, delivered) => {
        if (!delivered) onDelivery(member, false);
      };
      const outbox = new BatchOutbox(fast.libc, fast.fd, onRefused, onUnreachable);
      return {
        outbox,
        batch: {
          receiver: new MmsgReceiver(fast.libc, fast.fd, RECEIVE_BUFFER_SIZE),
          busy: () => outbox.pending >= SEND_AT_ONCE_THRESHOLD,
        },
        release: () => fast.libc.close(),
      };
    }
    log.info(`udp: --fast-udp is unavailable (${fast}); sending one datagram at a time`);
  }
  const send: SendDatagram = sendDatagram === undefined
    ? (bytes, address) => socket.send(bytes, address)
    : (bytes, address) => sendDatagram(socket, bytes, address);
  return { outbox: new Outbox(send, onDelivery), batch: null, release: null };
}

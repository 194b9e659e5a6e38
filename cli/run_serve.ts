/**
 * `kaiwa serve` in the foreground: start, say where, wait for a stop signal (SIGINT, SIGTERM or
 * SIGHUP), stop cleanly.
 *
 * @module
 */

import {
  formatHostPort,
  ListenError,
  Logger,
  type ServeOptions,
  type ServerDeps,
  startServer,
  stderrSink,
} from "../server/mod.ts";
import { errorMessage } from "../util/mod.ts";
import { defaultDataDir } from "./data_dir.ts";
import { ExitCode } from "./exit_codes.ts";
import { pageAddress } from "./page_address.ts";
import { listenForStop } from "./stop_signals.ts";

/**
 * Runs the server until SIGINT, SIGTERM or SIGHUP and returns the exit code: 0 after a clean stop
 * (every member told), 1 when a listener cannot be bound (one line on stderr, no stack trace).
 * SIGHUP stops the server as SIGTERM does: kaiwa has nothing to reload (its settings come from
 * the command line and the environment, which a running process cannot re-read), and a closed
 * terminal must not drop the members silently.
 *
 * The "listening" line is printed even with --quiet: it is how scripts learn that the server is
 * ready, on which port, and the TLS fingerprint clients pin. The command always offers TLS: with
 * no `--tls-cert` and no `--data-dir`, the identity lives in the platform's data directory. Text
 * log lines carry the time when stderr is not a terminal (a journal, a file, a pipe).
 */
export async function serve(options: ServeOptions, deps: ServerDeps = {}): Promise<number> {
  const sink = deps.logSink ?? stderrSink;
  // The time goes on lines bound for a stderr that keeps them: a journal, a file, a pipe.
  const timestamps = deps.logTimestamps ??
    (deps.logSink === undefined && !Deno.stderr.isTerminal());
  const log = new Logger(options.logLevel, sink, {
    format: options.logFormat,
    timestamps,
    now: deps.now ?? Date.now,
  });
  // Listening first: a signal while the server starts stops it once it has started.
  const stop = listenForStop();
  try {
    let server;
    try {
      if (options.tlsCert === null && options.dataDir === null) {
        options = { ...options, dataDir: defaultDataDir() };
      }
      server = await startServer(options, { ...deps, logSink: sink, logTimestamps: timestamps });
    } catch (error) {
      if (error instanceof ListenError) {
        log.error(`cannot listen on ${formatHostPort(error.host, error.port)}: ${error.reason}`, {
          event: "cannot listen",
          address: formatHostPort(error.host, error.port),
          reason: error.reason,
        });
      } else {
        log.error(`cannot start: ${errorMessage(error)}`, {
          event: "cannot start",
          reason: errorMessage(error),
        });
      }
      return ExitCode.Failure;
    }
    const { tcpAddr, udpAddr, fingerprint } = server;
    const tls = fingerprint === null ? "" : `, TLS ${fingerprint}`;
    const tcp = formatHostPort(options.host, tcpAddr.port);
    log.always(
      tcpAddr.port === udpAddr.port
        ? `listening on tcp+udp ${tcp}${tls}`
        : `listening on tcp ${tcp} and udp port ${udpAddr.port}${tls}`,
      {
        event: "listening",
        tcp,
        udp: formatHostPort(options.host, udpAddr.port),
        ...(fingerprint === null ? {} : { fingerprint }),
      },
    );
    if (server.lobbyAddr !== undefined) {
      const lobby = formatHostPort(options.host, server.lobbyAddr.port);
      log.info(`stage 1 lobby on udp ${lobby}`, { event: "lobby listening", udp: lobby });
    }
    if (server.metricsAddr !== undefined) {
      const http = formatHostPort(options.metricsHost, server.metricsAddr.port);
      log.info(`metrics on http://${http}/metrics, health on /healthz`, {
        event: "metrics listening",
        http,
      });
    }
    if (server.web !== undefined) {
      const webHost = options.webHost ?? options.host;
      const web = formatHostPort(webHost, server.web.addr.port);
      const page = pageAddress(webHost, server.web.addr.port);
      const secure = fingerprint === null ? "" : ` (https://${page}/ with the TLS identity)`;
      const where = page === web ? "" : ` (listening on ${web})`;
      log.info(`browser client on http://${page}/${secure}${where}`, {
        event: "web listening",
        web,
      });
    }
    if (!stop.signal.aborted) {
      await new Promise((resolve) => stop.signal.addEventListener("abort", resolve));
    }
    const signal = stop.received;
    log.info(
      signal === "SIGHUP"
        ? "received SIGHUP: stopping as for SIGTERM (kaiwa has nothing to reload)"
        : `received ${signal}: stopping`,
      { event: "signal", signal: signal ?? "" },
    );
    await server.shutdown();
    return ExitCode.Ok;
  } finally {
    stop.remove();
  }
}

/**
 * `kaiwa serve` in the foreground: start, say where, wait for SIGINT or SIGTERM, stop cleanly.
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

const STOP_SIGNALS: readonly Deno.Signal[] = Deno.build.os === "windows"
  ? ["SIGINT", "SIGBREAK"]
  : ["SIGINT", "SIGTERM"];

/**
 * Runs the server until SIGINT or SIGTERM and returns the exit code: 0 after a clean stop, 1 when
 * a listener cannot be bound (one line on stderr, no stack trace).
 *
 * The "listening" line is printed even with --quiet: it is how scripts learn that the server is
 * ready, on which port, and the TLS fingerprint clients pin. The command always offers TLS: with
 * no `--tls-cert` and no `--data-dir`, the identity lives in the platform's data directory.
 */
export async function serve(options: ServeOptions, deps: ServerDeps = {}): Promise<number> {
  const sink = deps.logSink ?? stderrSink;
  const log = new Logger(options.logLevel, sink);
  let server;
  try {
    if (options.tlsCert === null && options.dataDir === null) {
      options = { ...options, dataDir: defaultDataDir() };
    }
    server = await startServer(options, deps);
  } catch (error) {
    if (error instanceof ListenError) {
      log.error(`cannot listen on ${formatHostPort(error.host, error.port)}: ${error.reason}`);
    } else {
      log.error(`cannot start: ${errorMessage(error)}`);
    }
    return ExitCode.Failure;
  }
  const { tcpAddr, udpAddr, fingerprint } = server;
  const tls = fingerprint === null ? "" : `, TLS ${fingerprint}`;
  sink(
    tcpAddr.port === udpAddr.port
      ? `kaiwa: listening on tcp+udp ${formatHostPort(options.host, tcpAddr.port)}${tls}`
      : `kaiwa: listening on tcp ${
        formatHostPort(options.host, tcpAddr.port)
      } and udp port ${udpAddr.port}${tls}`,
  );
  if (server.lobbyAddr !== undefined) {
    log.info(`stage 1 lobby on udp ${formatHostPort(options.host, server.lobbyAddr.port)}`);
  }
  await stopSignal();
  await server.shutdown();
  return ExitCode.Ok;
}

/** Resolves on the first stop signal, removing its listeners. */
function stopSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      for (const signal of STOP_SIGNALS) Deno.removeSignalListener(signal, stop);
      resolve();
    };
    for (const signal of STOP_SIGNALS) Deno.addSignalListener(signal, stop);
  });
}

/**
 * The server under attack: a fresh `kaiwa serve` per attack (through the benchmark's
 * ServerProcess, at its default limits and log level), or one already running on 127.0.0.1.
 *
 * @module
 */

import { ServerProcess } from "../../bench/server_process.ts";
import { cpuSeconds, residentBytes } from "../../bench/proc_stats.ts";
import type { ServerNeeds } from "./types.ts";
import { SERVER_HOST } from "./loopback.ts";

/** A server the tool did not start. */
export interface ExternalServer {
  /** Its TCP and UDP port on 127.0.0.1. */
  readonly port: number;
  /** Its process id, for CPU and memory; null reads none. */
  readonly pid: number | null;
  /** Its Stage 1 lobby port, if it runs one. */
  readonly lobbyPort: number | null;
}

/** The server an attack runs against. */
export interface Target {
  readonly port: number;
  readonly lobbyPort: number | null;
  /** Its log lines so far; empty when the tool does not read its stderr. */
  readonly log: () => readonly string[];
  /** True when its log is read (log bytes are then measured). */
  readonly logged: boolean;
  /** Resident memory in bytes, or null. */
  residentBytes(): Promise<number | null>;
  /** CPU seconds used so far, or null. */
  cpuSeconds(): Promise<number | null>;
  /** Stops it if the tool started it. */
  stop(): Promise<void>;
}

/** Starts a server with what the attack needs, or wraps `external`. */
export async function startTarget(
  needs: ServerNeeds,
  external: ExternalServer | null,
): Promise<Target> {
  if (external !== null) {
    const pid = external.pid;
    return {
      port: external.port,
      lobbyPort: external.lobbyPort,
      log: () => [],
      logged: false,
      residentBytes: () => pid === null ? Promise.resolve(null) : residentBytes(pid),
      cpuSeconds: () => pid === null ? Promise.resolve(null) : cpuSeconds(pid),
      stop: () => Promise.resolve(),
    };
  }
  const lobbyPort = needs.lobby ? freeUdpPort() : null;
  const flags = lobbyPort === null ? [] : ["--lobby-port", String(lobbyPort)];
  const server = await ServerProcess.start({ flags, udp: needs.fastUdp ? "fast" : "portable" });
  return {
    port: server.port,
    lobbyPort,
    log: () => server.log,
    logged: true,
    residentBytes: () => server.residentBytes(),
    cpuSeconds: () => server.cpuSeconds(),
    stop: async () => void await server.stop("SIGTERM"),
  };
}

/** A UDP port free right now on 127.0.0.1 (another process could take it; unlikely). */
function freeUdpPort(): number {
  const socket = Deno.listenDatagram({ transport: "udp", hostname: SERVER_HOST, port: 0 });
  const port = (socket.addr as Deno.NetAddr).port;
  socket.close();
  return port;
}

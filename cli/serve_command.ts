/**
 * `kaiwa serve`: its flags, its help text, and the parser that turns them into
 * {@linkcode ServeOptions}.
 *
 * @module
 */

import {
  DEFAULT_SERVE_OPTIONS,
  LOG_FORMATS,
  NODE_ID_PATTERN,
  type ServeOptions,
  UDP_PATHS,
} from "../server/options.ts";
import { type Environment, SWITCH_WORDS } from "./environment.ts";
import { type FlagSpec, formatFlags, HELP_FLAG, type ParsedFlags, parseFlags } from "./flags.ts";
import { UsageError } from "./usage_error.ts";
import {
  parseChoice,
  parseDecimal,
  parseInteger,
  parsePort,
  parseSeconds,
  parseText,
} from "./values.ts";

const D = DEFAULT_SERVE_OPTIONS;
/** The smallest `--send-queue-bytes`: room for a few of the largest datagrams (8 KiB) at least. */
const MIN_SEND_QUEUE_BYTES = 65_536;
/** The smallest `--room-buffer-bytes`: one of the largest messages (4 KiB and its 64) fits. */
const MIN_ROOM_BUFFER_BYTES = 8_192;

/** How a switch's default reads in help text. */
function onOff(on: boolean): string {
  return on ? "on" : "off";
}

/**
 * The flags of `kaiwa serve`, in help order. Defaults come from `DEFAULT_SERVE_OPTIONS`. Every
 * one but --help may also be set by its variable (`KAIWA_MAX_ROOMS` for --max-rooms).
 */
export const SERVE_FLAGS: readonly FlagSpec[] = withVariables([
  { name: "host", value: "ADDR", help: "Address to listen on, IPv4 or IPv6", default: D.host },
  {
    name: "port",
    value: "N",
    help: "TCP and UDP port, 0-65535; 0 picks a free one",
    default: String(D.port),
  },
  {
    name: "timeout",
    value: "SECONDS",
    help: "Remove a member silent for this long",
    default: String(D.timeoutSeconds),
  },
  {
    name: "lobby-port",
    value: "N",
    help: "Also run the Stage 1 UDP lobby on this port",
    default: D.lobbyPort === null ? "off" : String(D.lobbyPort),
  },
  { name: "quiet", help: "Log only errors", default: onOff(D.logLevel === "quiet") },
  {
    name: "verbose",
    help: "Log every connection, room and member event",
    default: onOff(D.logLevel === "verbose"),
  },
  {
    name: "log-format",
    value: LOG_FORMATS.join("|"),
    help: "Log lines as text (time stamped when stderr is not a terminal) or JSON objects",
    default: D.logFormat,
  },
  {
    name: "metrics-port",
    value: "N",
    help: "Serve Prometheus /metrics and /healthz over HTTP on this TCP port",
    default: D.metricsPort === null ? "off" : String(D.metricsPort),
  },
  {
    name: "metrics-host",
    value: "ADDR",
    help: "Address the metrics port listens on",
    default: D.metricsHost,
  },
  {
    name: "web-port",
    value: "N",
    help: "Serve the browser client (page and WebSocket, HTTPS when asked) on this TCP port",
    default: D.webPort === null ? "off" : String(D.webPort),
  },
  {
    name: "web-host",
    value: "ADDR",
    help: "Address the web port listens on",
    default: "the --host",
  },
  {
    name: "web-allowed-origin",
    value: "ORIGINS",
    help: "Origins whose pages may use the WebSocket, comma-separated (a DNS name must be listed)",
    default: "the page's own, at an address",
  },
  { name: "max-rooms", value: "N", help: "Most rooms at once", default: String(D.maxRooms) },
  {
    name: "max-room-members",
    value: "N",
    help: "Most members in one room",
    default: String(D.maxRoomMembers),
  },
  {
    name: "request-timeout",
    value: "SECONDS",
    help: "Time a TCP connection has to send its request",
    default: String(D.requestTimeoutSeconds),
  },
  {
    name: "max-connections",
    value: "N",
    help: "Most TCP connections at once",
    default: String(D.maxConnections),
  },
  {
    name: "max-connections-per-ip",
    value: "N",
    help: "Most TCP connections at once from one IP address",
    default: String(D.maxConnectionsPerIp),
  },
  {
    name: "flood-rate",
    value: "N",
    help: "Messages per second per member, may be fractional; 0 = off",
    default: String(D.floodRate),
  },
  {
    name: "flood-burst",
    value: "N",
    help: "Messages a member may send in one burst",
    default: String(D.floodBurst),
  },
  {
    name: "join-rate",
    value: "N",
    help: "Room requests per second from one IP address; 0 = off",
    default: String(D.joinRate),
  },
  {
    name: "udp",
    value: "PATH",
    help: "auto, fast (sendmmsg batches: Linux, IPv4, --allow-ffi) or portable (Deno's sockets)",
    default: D.udpPath,
  },
  {
    name: "send-queue-bytes",
    value: "N",
    help: "Most bytes waiting to be sent over UDP; beyond, datagrams are dropped and counted",
    default: String(D.sendQueueBytes),
  },
  {
    name: "bind-timeout",
    value: "SECONDS",
    help: "Remove a member with no UDP address after this long (a host closes its room)",
    default: String(D.bindTimeoutSeconds),
  },
  {
    name: "max-members",
    value: "N",
    help: "Most members at once, over all rooms",
    default: String(D.maxMembers),
  },
  {
    name: "max-members-per-ip",
    value: "N",
    help: "Most members at once from one IPv4 address or IPv6 /64",
    default: String(D.maxMembersPerIp),
  },
  {
    name: "max-rooms-per-ip",
    value: "N",
    help: "Most open rooms created from one IPv4 address or IPv6 /64",
    default: String(D.maxRoomsPerIp),
  },
  {
    name: "ip-flood-rate",
    value: "N",
    help: "Messages per second from one IPv4 address or IPv6 /64, all members; 0 = off",
    default: String(D.ipFloodRate),
  },
  {
    name: "who-interval",
    value: "SECONDS",
    help: "Answer a member's /who at most once per this long",
    default: String(D.whoIntervalSeconds),
  },
  {
    name: "password-hashes",
    value: "N",
    help: "Most password hashes at once; the default is one per core",
    default: String(D.maxPasswordHashes),
  },
  {
    name: "password-queue",
    value: "N",
    help: "Password hashes that may wait; more are refused (status 8)",
    default: String(D.passwordQueue),
  },
  {
    name: "password-rate",
    value: "N",
    help: "Password hashes per second per IP address, bursts of 5; 0 = off",
    default: String(D.passwordRate),
  },
  {
    name: "wrong-password-rate",
    value: "N",
    help: "Wrong passwords per second per room, bursts of 5; 0 = off",
    default: String(D.wrongPasswordRate),
  },
  {
    name: "max-incomplete-per-ip",
    value: "N",
    help: "Most TCP connections from one IP address without a whole request",
    default: String(D.maxIncompletePerIp),
  },
  {
    name: "header-timeout",
    value: "SECONDS",
    help: "Time a TCP connection has to send the 32-byte request header",
    default: String(D.headerTimeoutSeconds),
  },
  {
    name: "log-refusals",
    value: "N",
    help: "Refusal lines per IP address per minute; the rest are summed up",
    default: String(D.logRefusalsPerMinute),
  },
  { name: "tls-cert", value: "FILE", help: "TLS certificate, PEM (with --tls-key)" },
  { name: "tls-key", value: "FILE", help: "TLS private key, PEM (with --tls-cert)" },
  {
    name: "data-dir",
    value: "DIR",
    help: "Keeps the self-signed TLS identity made on first start",
    default: "the platform's state directory, e.g. ~/.local/state/kaiwa",
  },
  {
    name: "room-buffer",
    value: "N",
    help: "Recent messages each room keeps, to resend lost ones and for history; 0 = none",
    default: String(D.roomBuffer),
  },
  {
    name: "room-buffer-bytes",
    value: "N",
    help: "Most bytes of recent messages each room keeps (each counts 64 more)",
    default: String(D.roomBufferBytes),
  },
  {
    name: "history",
    value: "N",
    help: "Recent messages a kaiwa client gets on joining, at most --room-buffer; 0 = off",
    default: String(D.history),
  },
  {
    name: "cluster",
    value: "URLS",
    help: "Join a cluster of nodes through these NATS servers (nats://HOST:PORT, comma-separated)",
    default: "off: a single node",
  },
  {
    name: "node-id",
    value: "ID",
    help: "This node's id in the cluster (letters, digits, - and _)",
    default: "a random one",
  },
  {
    name: "cluster-heartbeat",
    value: "SECONDS",
    help: "Time between this node's heartbeats to the cluster",
    default: String(D.clusterHeartbeatSeconds),
  },
  {
    name: "cluster-dead-after",
    value: "SECONDS",
    help: "Time without a node's heartbeat after which it counts as dead",
    default: String(D.clusterDeadAfterSeconds),
  },
  HELP_FLAG,
]);

/** Marks every flag but --help as also read from its variable. */
function withVariables(specs: readonly FlagSpec[]): readonly FlagSpec[] {
  return specs.map((spec) => spec === HELP_FLAG ? spec : { ...spec, env: true });
}

/** The help text of `kaiwa serve`. */
export const SERVE_USAGE = `Usage: kaiwa serve [flags]

Runs the chat server: rooms over TCP (TCRP) and messages over UDP, both on --port.
The TCP port serves TCRP in plain (standard clients) and inside TLS (kaiwa's client): the
certificate is --tls-cert/--tls-key, or else a self-signed one made on first start and kept in
--data-dir; its SHA-256 fingerprint is printed with the listening line, for clients to pin.
Every limit is a flag. SIGINT, SIGTERM or SIGHUP stops the server cleanly: every member is told
the server is shutting down, then it exits with code 0 (SIGHUP reloads nothing).
Every flag but --help may instead be set by a variable KAIWA_<FLAG>: KAIWA_MAX_ROOMS=100 for
--max-rooms 100, a switch as ${SWITCH_WORDS}; an empty variable counts as unset, and a flag given
on the command line wins over its variable. A bad value in a variable is refused (exit code 2).

Flags:
${formatFlags(SERVE_FLAGS)}`;

/**
 * Turns the arguments after `kaiwa serve` into {@linkcode ServeOptions}; what is not given keeps
 * its default. Throws {@linkcode UsageError} for an unknown flag, a bad value or an argument.
 *
 * @example
 * ```ts
 * import { parseServeArgs } from "./serve_command.ts";
 * parseServeArgs(["--port", "0", "--quiet"]).logLevel; // "quiet"
 * ```
 */
export function parseServeArgs(args: readonly string[], env: Environment = {}): ServeOptions {
  const flags = parseFlags(args, SERVE_FLAGS, 0, env);
  const options: ServeOptions = { ...DEFAULT_SERVE_OPTIONS };
  const given = (name: string, parse: (text: string, flag: string) => void) => {
    const text = flags.string(name);
    if (text !== undefined) parse(text, flags.label(name));
  };
  given("host", (t, f) => options.host = parseText(t, f));
  given("port", (t, f) => options.port = parsePort(t, f, 0));
  given("timeout", (t, f) => options.timeoutSeconds = parseSeconds(t, f));
  given("lobby-port", (t, f) => options.lobbyPort = parsePort(t, f, 0));
  given("log-format", (t, f) => options.logFormat = parseChoice(t, f, LOG_FORMATS));
  given("metrics-port", (t, f) => options.metricsPort = parsePort(t, f, 0));
  given("metrics-host", (t, f) => options.metricsHost = parseText(t, f));
  given("web-port", (t, f) => options.webPort = parsePort(t, f, 0));
  given("web-host", (t, f) => options.webHost = parseText(t, f));
  given("web-allowed-origin", (t, f) => options.webAllowedOrigins = parseOrigins(t, f));
  given("max-rooms", (t, f) => options.maxRooms = parseInteger(t, f, 1));
  given("max-room-members", (t, f) => options.maxRoomMembers = parseInteger(t, f, 1));
  given("request-timeout", (t, f) => options.requestTimeoutSeconds = parseSeconds(t, f));
  given("max-connections", (t, f) => options.maxConnections = parseInteger(t, f, 1));
  given("max-connections-per-ip", (t, f) => options.maxConnectionsPerIp = parseInteger(t, f, 1));
  given("flood-rate", (t, f) => options.floodRate = parseDecimal(t, f, 0));
  given("flood-burst", (t, f) => options.floodBurst = parseInteger(t, f, 1));
  given("join-rate", (t, f) => options.joinRate = parseDecimal(t, f, 0));
  given(
    "send-queue-bytes",
    (t, f) => options.sendQueueBytes = parseInteger(t, f, MIN_SEND_QUEUE_BYTES),
  );
  given("udp", (t, f) => options.udpPath = parseChoice(t, f, UDP_PATHS));
  given("bind-timeout", (t, f) => options.bindTimeoutSeconds = parseSeconds(t, f));
  given("max-members", (t, f) => options.maxMembers = parseInteger(t, f, 1));
  given("max-members-per-ip", (t, f) => options.maxMembersPerIp = parseInteger(t, f, 1));
  given("max-rooms-per-ip", (t, f) => options.maxRoomsPerIp = parseInteger(t, f, 1));
  given("ip-flood-rate", (t, f) => options.ipFloodRate = parseDecimal(t, f, 0));
  given("who-interval", (t, f) => options.whoIntervalSeconds = parseDecimal(t, f, 0));
  given("password-hashes", (t, f) => options.maxPasswordHashes = parseInteger(t, f, 1));
  given("password-queue", (t, f) => options.passwordQueue = parseInteger(t, f, 0));
  given("password-rate", (t, f) => options.passwordRate = parseDecimal(t, f, 0));
  given("wrong-password-rate", (t, f) => options.wrongPasswordRate = parseDecimal(t, f, 0));
  given("max-incomplete-per-ip", (t, f) => options.maxIncompletePerIp = parseInteger(t, f, 1));
  given("header-timeout", (t, f) => options.headerTimeoutSeconds = parseSeconds(t, f));
  given("log-refusals", (t, f) => options.logRefusalsPerMinute = parseInteger(t, f, 0));
  given("tls-cert", (t, f) => options.tlsCert = parseText(t, f));
  given("tls-key", (t, f) => options.tlsKey = parseText(t, f));
  given("data-dir", (t, f) => options.dataDir = parseText(t, f));
  given("room-buffer", (t, f) => options.roomBuffer = parseInteger(t, f, 0));
  given(
    "room-buffer-bytes",
    (t, f) => options.roomBufferBytes = parseInteger(t, f, MIN_ROOM_BUFFER_BYTES),
  );
  given("history", (t, f) => options.history = parseInteger(t, f, 0));
  given("cluster", (t, f) => options.cluster = parseNatsUrls(t, f));
  given("node-id", (t, f) => options.nodeId = parseNodeId(t, f));
  given("cluster-heartbeat", (t, f) => options.clusterHeartbeatSeconds = parseSeconds(t, f));
  given("cluster-dead-after", (t, f) => options.clusterDeadAfterSeconds = parseSeconds(t, f));
  if (options.history > options.roomBuffer) {
    // The default follows a smaller buffer; a number given is refused rather than cut.
    if (flags.string("history") === undefined) options.history = options.roomBuffer;
    else {
      throw new UsageError(
        `${flags.label("history")} ${options.history} is more than ${
          flags.label("room-buffer")
        } keeps (${options.roomBuffer})`,
      );
    }
  }
  if ((options.tlsCert === null) !== (options.tlsKey === null)) {
    throw new UsageError("--tls-cert and --tls-key go together");
  }
  options.logLevel = parseLogLevel(flags);
  if (options.clusterHeartbeatSeconds <= 0) {
    throw new UsageError(`${flags.label("cluster-heartbeat")} must be more than 0`);
  }
  if (options.clusterDeadAfterSeconds <= options.clusterHeartbeatSeconds) {
    throw new UsageError(
      `${flags.label("cluster-dead-after")} must be longer than ${
        flags.label("cluster-heartbeat")
      }`,
    );
  }
  // The lobby's UDP socket, and the metrics' TCP listener, would share the main port: refuse
  // here rather than fail to bind later.
  for (const name of ["lobby-port", "metrics-port", "web-port"] as const) {
    const port = name === "lobby-port"
      ? options.lobbyPort
      : name === "metrics-port"
      ? options.metricsPort
      : options.webPort;
    if (port === null || port === 0 || port !== options.port) continue;
    throw new UsageError(
      `${flags.label(name)} must differ from ${flags.label("port")} (both are ${port})`,
    );
  }
  if (
    options.webPort !== null && options.webPort !== 0 && options.webPort === options.metricsPort
  ) {
    throw new UsageError(
      `${flags.label("web-port")} must differ from ${
        flags.label("metrics-port")
      } (both are ${options.webPort})`,
    );
  }
  return options;
}

/**
 * A comma-separated list of origins (`https://chat.example.org`, `http://localhost:8080`): a
 * scheme, a host and an optional port, nothing more, as browsers send them in `Origin`.
 */
function parseOrigins(text: string, flag: string): string[] {
  return text.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "").map(
    (entry) => {
      let origin: string | null = null;
      try {
        origin = new URL(entry).origin;
      } catch {
        // Not a URL: refused below.
      }
      if (origin === null || origin === "null" || origin !== entry.toLowerCase()) {
        throw new UsageError(
          `Invalid value for ${flag}: '${entry}' is not an origin like https://chat.example.org`,
        );
      }
      return origin;
    },
  );
}

/** A comma-separated list of NATS server URLs (`nats://host:port`). */
function parseNatsUrls(text: string, flag: string): string[] {
  const urls = text.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
  for (const url of urls) {
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      // Not a URL: refused below.
    }
    if (parsed === null || parsed.protocol !== "nats:" || parsed.hostname === "") {
      throw new UsageError(
        `Invalid value for ${flag}: '${url}' is not a URL like nats://host:4222`,
      );
    }
  }
  if (urls.length === 0) throw new UsageError(`Invalid value for ${flag}: no NATS server given`);
  return urls;
}

/** A node id: it goes into NATS subjects, so only letters, digits, `-` and `_`, at most 64. */
function parseNodeId(text: string, flag: string): string {
  if (!NODE_ID_PATTERN.test(text)) {
    throw new UsageError(
      `Invalid value for ${flag}: '${text}' is not 1 to 64 letters, digits, - or _`,
    );
  }
  return text;
}

/**
 * The level --quiet and --verbose ask for. Both on is refused, unless one is a flag and the other
 * a variable: the flag wins, as everywhere.
 */
function parseLogLevel(flags: ParsedFlags): ServeOptions["logLevel"] {
  let quiet = flags.boolean("quiet");
  let verbose = flags.boolean("verbose");
  if (quiet && verbose) {
    const quietFlag = flags.onCommandLine("quiet");
    if (quietFlag === flags.onCommandLine("verbose")) {
      throw new UsageError(
        `${flags.label("quiet")} and ${flags.label("verbose")} exclude each other`,
      );
    }
    quiet = quietFlag;
    verbose = !quietFlag;
  }
  if (quiet) return "quiet";
  if (verbose) return "verbose";
  return D.logLevel;
}

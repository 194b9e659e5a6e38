/**
 * The server's settings, as `kaiwa serve` flags set them, and their defaults.
 *
 * @module
 */

/** How much the server logs on stderr. */
export type LogLevel = "quiet" | "normal" | "verbose";

/** The log formats, in help order. */
export const LOG_FORMATS = ["text", "json"] as const;
/** How log lines are written: plain sentences, or one JSON object per line. */
export type LogFormat = typeof LOG_FORMATS[number];

/** Everything `kaiwa serve` can be told. Every limit has a flag of the same name. */
export interface ServeOptions {
  /** Address both listeners bind (`--host`); IPv6 accepted. */
  host: string;
  /** Port of both the TCP and the UDP listener (`--port`); 0 picks a free one. */
  port: number;
  /** Seconds of silence after which a member is removed (`--timeout`). */
  timeoutSeconds: number;
  /** UDP port of the Stage 1 lobby, or null when it is off (`--lobby-port`). */
  lobbyPort: number | null;
  /** Log verbosity (`--quiet`, `--verbose`). */
  logLevel: LogLevel;
  /** Log lines as text or as JSON objects (`--log-format`). */
  logFormat: LogFormat;
  /**
   * TCP port of the HTTP endpoint serving `/metrics` (Prometheus text) and `/healthz`, or null
   * when it is off (`--metrics-port`); 0 picks a free one.
   */
  metricsPort: number | null;
  /** Address the metrics endpoint binds (`--metrics-host`): loopback unless said otherwise. */
  metricsHost: string;
  /**
   * TCP port of the browser client (`--web-port`): the page at `/` and its WebSocket at `/ws`,
   * HTTPS and WSS when the server has a TLS identity and the browser asks for it; null when off.
   * 0 picks a free one.
   */
  webPort: number | null;
  /** Address the web port binds (`--web-host`); null means `host`. */
  webHost: string | null;
  /**
   * Origins whose pages may open the WebSocket besides the page's own (`--web-allowed-origin`),
   * e.g. `https://chat.example.org`.
   */
  webAllowedOrigins: readonly string[];
  /** Most rooms at once (`--max-rooms`). */
  maxRooms: number;
  /** Most members in one room (`--max-room-members`). */
  maxRoomMembers: number;
  /** Seconds a TCP connection has to deliver a complete request (`--request-timeout`). */
  requestTimeoutSeconds: number;
  /** Most concurrent TCP connections (`--max-connections`). */
  maxConnections: number;
  /** Most concurrent TCP connections from one IP address (`--max-connections-per-ip`). */
  maxConnectionsPerIp: number;
  /** Messages per second each member may send; 0 turns flood control off (`--flood-rate`). */
  floodRate: number;
  /** Messages a member may send in one burst (`--flood-burst`). */
  floodBurst: number;
  /** TCRP requests per second per IP address; 0 turns it off (`--join-rate`). */
  joinRate: number;
  /**
   * How UDP is sent and received (`--udp`): `fast` batches through libc (`sendmmsg`,
   * `recvmmsg`, ICMP errors read with `IP_RECVERR`; Linux, IPv4, needs `--allow-ffi`), `portable`
   * is one Deno op per datagram, `auto` takes the fast path wherever it works and falls back to
   * the portable one with one log line.
   */
  udpPath: UdpPath;
  /**
   * Most bytes waiting in the UDP send queue (`--send-queue-bytes`): each queued datagram counts
   * its payload plus 32 bytes, once per recipient. Beyond it datagrams are dropped and counted,
   * the largest room's first. The lobby has its own queue of the same size.
   */
  sendQueueBytes: number;
  /**
   * Seconds a member has to get a UDP address (port announcement or first datagram) before it is
   * removed; a host's room closes with it (`--bind-timeout`).
   */
  bindTimeoutSeconds: number;
  /** Most members at once over all rooms (`--max-members`). */
  maxMembers: number;
  /** Most members at once from one IPv4 address or IPv6 /64 (`--max-members-per-ip`). */
  maxMembersPerIp: number;
  /** Most open rooms created from one IPv4 address or IPv6 /64 (`--max-rooms-per-ip`). */
  maxRoomsPerIp: number;
  /**
   * Chat messages per second from one IPv4 address or IPv6 /64, all its members together; 0
   * turns it off (`--ip-flood-rate`).
   */
  ipFloodRate: number;
  /** Shortest time between two answers to one member's Who, in seconds (`--who-interval`). */
  whoIntervalSeconds: number;
  /** Most password hashes running at once (`--password-hashes`); about one per core. */
  maxPasswordHashes: number;
  /** Password hashes that may wait for a slot; more are refused (`--password-queue`). */
  passwordQueue: number;
  /** Password hashes each IP may start per second; 0 turns it off (`--password-rate`). */
  passwordRate: number;
  /**
   * Wrong passwords (and repeated attempts) each room takes per second; 0 turns it off
   * (`--wrong-password-rate`).
   */
  wrongPasswordRate: number;
  /** Most TCP connections from one IP that have not sent a whole request (`--max-incomplete-per-ip`). */
  maxIncompletePerIp: number;
  /** Seconds a TCP connection has to send the 32-byte TCRP header (`--header-timeout`). */
  headerTimeoutSeconds: number;
  /** Refusal lines logged per IP per minute before they are summed up (`--log-refusals`). */
  logRefusalsPerMinute: number;
  /** PEM certificate file for TLS (`--tls-cert`), given with `tlsKey`; null: none given. */
  tlsCert: string | null;
  /** PEM private key file for TLS (`--tls-key`), given with `tlsCert`; null: none given. */
  tlsKey: string | null;
  /**
   * Directory keeping the self-signed TLS identity made on first start (`--data-dir`), used when
   * no `tlsCert` is given. Null here means no TLS at all (plain TCRP only); `kaiwa serve` always
   * gives one, the platform's state directory by default.
   */
  dataDir: string | null;
  /**
   * Most chat messages each room keeps in its ring buffer (`--room-buffer`), to answer NACKs and
   * give joining kaiwa members history; 0 keeps none.
   */
  roomBuffer: number;
  /**
   * Most bytes each room's ring buffer holds (`--room-buffer-bytes`): each message counts its
   * text, its sender's name and 64 bytes. Worst case server-wide: `maxRooms` × this.
   */
  roomBufferBytes: number;
  /** Messages of history a kaiwa member gets on joining (`--history`); 0 = none. */
  history: number;
}

/**
 * One password hash at a time per core: scrypt takes ≈60 ms of one core, and more hashes than
 * cores only make each one slower.
 */
const CORES = Math.max(1, navigator.hardwareConcurrency ?? 1);

/** The UDP paths `--udp` names; see {@link ServeOptions.udpPath}. */
export const UDP_PATHS = ["auto", "fast", "portable"] as const;

/** One of {@link UDP_PATHS}. */
export type UdpPath = typeof UDP_PATHS[number];

/** The defaults, as `kaiwa serve --help` lists them. */
export const DEFAULT_SERVE_OPTIONS: Readonly<ServeOptions> = {
  host: "0.0.0.0",
  port: 9001,
  timeoutSeconds: 300,
  lobbyPort: null,
  logLevel: "normal",
  logFormat: "text",
  metricsPort: null,
  // The counters tell who is connected how much: only this machine may read them by default.
  metricsHost: "127.0.0.1",
  webPort: null,
  webHost: null,
  webAllowedOrigins: [],
  maxRooms: 10_000,
  maxRoomMembers: 5_000,
  requestTimeoutSeconds: 5,
  maxConnections: 1_024,
  maxConnectionsPerIp: 32,
  floodRate: 5,
  floodBurst: 10,
  joinRate: 20,
  // The batched path is 2–4× the portable one's fan-out (docs/performance.md), and wherever it
  // cannot run the portable path serves instead.
  udpPath: "auto",
  // 32 MiB: about 0.3 s of a 1 Gbit/s link, and 8 fan-outs of a 4 KiB message to 1,000 members.
  sendQueueBytes: 32 * 1024 * 1024,
  // Long enough for a client on a slow link to send its first datagram (kaiwa's sends one at
  // once), short enough that members that never use UDP cost little (they lived 300 s).
  bindTimeoutSeconds: 20,
  // About 2.5 KiB each: 100,000 members is some 250 MiB, within a small server's memory.
  maxMembers: 100_000,
  // A classroom or an office behind one NAT address, with room to spare.
  maxMembersPerIp: 100,
  // Nobody hosts more than a few rooms; 10,000 rooms need 1,000 sources to fill.
  maxRoomsPerIp: 10,
  // 4 × one member's rate: a few people behind one NAT address chat freely, but one host's
  // hundred members cannot relay 94 × what one may.
  ipFloodRate: 20,
  // kaiwa's client asks on /who only: once per 10 s is plenty for a person.
  whoIntervalSeconds: 10,
  maxPasswordHashes: CORES,
  // About 16 × 60 ms / cores of waiting at most: well within --request-timeout.
  passwordQueue: 16,
  // One IP may use at most ≈1/16 of a core hashing (60 ms per hash).
  passwordRate: 1,
  wrongPasswordRate: 1,
  // A connection is incomplete for one round trip normally; 8 covers a NAT's joining together.
  maxIncompletePerIp: 8,
  // The header is the first 32 bytes a client sends: 2 s is many round trips.
  headerTimeoutSeconds: 2,
  logRefusalsPerMinute: 10,
  tlsCert: null,
  tlsKey: null,
  dataDir: null,
  // A few minutes of a busy room: enough to fill any gap a NACK asks for, and the history.
  roomBuffer: 256,
  // 64 KiB: 256 chat lines of 100 bytes fit (each counts 64 more); at most 625 MiB for the
  // 10,000 rooms of --max-rooms, and 640 KiB for one source's 10 (--max-rooms-per-ip).
  roomBufferBytes: 64 * 1024,
  // What a newcomer reads to know what is being talked about.
  history: 50,
};

/**
 * The seam where datagrams enter and leave the server. Deno's sockets
 * ({@linkcode DenoUdpTransport}) and the Linux batch path (`fast_udp/`) implement it with one
 * contract; encryption and the cluster will be further implementations or wrappers of it.
 *
 * @module
 */

/**
 * Where a datagram goes. Structurally a `Deno.NetAddr`, so Deno's `send` takes it as it is. A
 * member's bound address is created once and passed to every send, so implementations may cache
 * what they derive from it (keyed by the object).
 */
export interface PeerAddress {
  /** Always "udp". */
  readonly transport: "udp";
  /** IP address as the sockets report it, e.g. "127.0.0.1" or "::1". */
  readonly hostname: string;
  /** UDP port, 0–65535. */
  readonly port: number;
  /**
   * The local address to send from: the server address the peer sent to, when the server has a
   * socket of its own there ({@linkcode MultiAddressTransport}). Absent: the first socket.
   */
  readonly via?: string;
}

/** What a transport reports. Each call is synchronous; a throw is the caller's fault to log. */
export interface TransportEvents {
  /**
   * A datagram of at most `MAX_DATAGRAM_SIZE` bytes arrived. `bytes` is a view of a reused
   * buffer, valid only during the call. `local` is the server address it was sent to, when it
   * arrived on a socket bound to that one address (undefined on the main socket).
   */
  received(bytes: Uint8Array, hostname: string, port: number, local?: string): void;
  /** A datagram over `MAX_DATAGRAM_SIZE` bytes arrived from `hostname`; it was not read. */
  oversize(hostname: string): void;
  /**
   * A datagram sent to `hostname`:`port` failed: the system refused it, or (Linux fast path) an
   * ICMP error said the address is unreachable. Successes are not reported.
   */
  failed(hostname: string, port: number): void;
}

/**
 * One UDP socket: a receive loop feeding {@linkcode TransportEvents} and a send queue, bounded in
 * bytes and fair between flows (`FairQueue`). `send` never blocks and never throws; what it
 * cannot send is reported through `failed` or, when the queue is full, counted in
 * {@linkcode UdpTransport.dropped}.
 */
export interface UdpTransport {
  /** The address the socket is bound to. */
  readonly addr: Deno.NetAddr;
  /** Datagrams queued and not yet handed to the system. */
  readonly pending: number;
  /** Datagrams dropped because the queue was full (or to make room for a smaller flow's). */
  readonly dropped: number;
  /**
   * Queues `bytes` for `address`. The same `bytes` may be queued for many recipients (encode
   * once, send many): they must not change afterwards. `flow` (any object, compared by identity:
   * the server passes the room) picks the queue the datagram waits in; flows take turns, so one
   * room's fan-out does not hold up another's. Without it, the datagram joins the unnamed flow.
   */
  send(bytes: Uint8Array, address: PeerAddress, flow?: object): void;
  /** Resolves once everything queued so far was sent, or after `timeoutMs`, whichever is first. */
  drain(timeoutMs: number): Promise<void>;
  /**
   * Stops receiving and sending, drops what is queued and closes the socket. Safe to call more
   * than once; every call resolves when the first has finished.
   */
  close(): Promise<void>;
}

/**
 * Tells whether the server is still there. The client pings on an interval (each ping is also
 * the keep-alive that stops the server from removing a quiet user) and declares the connection
 * lost after a silence, since UDP gives no other sign that a server died. Pure: time comes from
 * the caller.
 *
 * @module
 */

/** Timing of pings and of the silence that counts as a lost connection. */
export interface LivenessConfig {
  /** How often to ping the server. */
  pingIntervalMs: number;
  /** How long without any datagram from the server before the connection counts as lost. */
  silenceLimitMs: number;
}

/** The defaults: three unanswered pings mean the server is gone. */
export const DEFAULT_LIVENESS_CONFIG: Readonly<LivenessConfig> = {
  pingIntervalMs: 5_000,
  silenceLimitMs: 15_000,
};

/**
 * Tracks when the server was last heard from and when to ping.
 *
 * @example
 * ```ts
 * const liveness = new Liveness(0);
 * liveness.poll(0); // "ping"
 * liveness.poll(20_000); // "lost"
 * ```
 */
export class Liveness {
  readonly #config: LivenessConfig;
  #heardAt: number;
  #pingedAt = -Infinity;

  /** Starts counting silence from `now`. */
  constructor(now: number, config: LivenessConfig = DEFAULT_LIVENESS_CONFIG) {
    this.#config = config;
    this.#heardAt = now;
  }

  /** How long a silence, in milliseconds, counts as a lost connection. */
  get silenceLimitMs(): number {
    return this.#config.silenceLimitMs;
  }

  /** When the server was last heard from (or when counting started). */
  get heardAt(): number {
    return this.#heardAt;
  }

  /** Records a datagram from the server. */
  heard(now: number): void {
    this.#heardAt = Math.max(this.#heardAt, now);
  }

  /** Says whether to ping now, or that the server has gone silent for too long. */
  poll(now: number): "ping" | "lost" | null {
    if (now - this.#heardAt >= this.#config.silenceLimitMs) return "lost";
    if (now - this.#pingedAt < this.#config.pingIntervalMs) return null;
    this.#pingedAt = now;
    return "ping";
  }
}

/**
 * The only addresses the attack tool talks to or from: the server on 127.0.0.1, and other
 * 127.0.0.0/8 addresses playing "other hosts". Linux routes the whole /8 to the loopback
 * interface, so any of them can be bound without configuration.
 *
 * @module
 */

/** Where the server under attack listens; also the legitimate clients' address. */
export const SERVER_HOST = "127.0.0.1";
/** The first and last host byte of the "other IPs" in 127.0.0.0/24. */
const FIRST_OTHER = 2;
const LAST_OTHER = 250;
/** How many distinct "other IPs" {@link otherIp} hands out. */
export const OTHER_IPS = LAST_OTHER - FIRST_OTHER + 1;
/** Host bytes used per /24 by {@link manySourceIp}: .2 to .251, like {@link otherIp}. */
const HOSTS_PER_BLOCK = 250;
/** manySourceIp stays below 127.1.0.0: 255 blocks of 250. */
export const MANY_SOURCE_IPS = 255 * HOSTS_PER_BLOCK;

/** The `i`-th attacker address, 127.0.0.2 to 127.0.0.250: never the legit clients' 127.0.0.1. */
export function otherIp(i: number): string {
  if (!Number.isInteger(i) || i < 0 || i >= OTHER_IPS) {
    throw new RangeError(`otherIp(${i}): only ${OTHER_IPS} other IPs`);
  }
  return `127.0.0.${FIRST_OTHER + i}`;
}

/**
 * The `i`-th of many source addresses, 127.0.x.y with x ≥ 1: for attacks that need thousands of
 * distinct hosts, kept clear of 127.0.0.0/24 where the legit clients and {@link otherIp} live.
 */
export function manySourceIp(i: number): string {
  if (!Number.isInteger(i) || i < 0 || i >= MANY_SOURCE_IPS) {
    throw new RangeError(`manySourceIp(${i}): only ${MANY_SOURCE_IPS} sources`);
  }
  return `127.0.${1 + Math.floor(i / HOSTS_PER_BLOCK)}.${FIRST_OTHER + (i % HOSTS_PER_BLOCK)}`;
}

/** True for 127.0.0.0/8 and ::1. */
export function isLoopback(address: string): boolean {
  return address === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(address);
}

/**
 * Throws unless `address` is loopback: every socket the tool opens goes through this, so a
 * mistyped flag can never aim the attacks at a real host.
 */
export function assertLoopback(address: string): string {
  if (!isLoopback(address)) throw new Error(`refusing non-loopback address ${address}`);
  return address;
}

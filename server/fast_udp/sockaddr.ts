/**
 * IPv4 socket addresses for `sendmmsg`, computed once per member address and kept beside it.
 *
 * @module
 */

import type { PeerAddress } from "../udp/mod.ts";

const OCTETS = 4;
const OCTET_MAX = 255;
const BITS_PER_OCTET = 8;
/** Ports are 16 bits: a packed address is `ipv4Word * PORT_SPACE + port`. */
export const PORT_SPACE = 0x1_0000;
const DOTTED_QUAD = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * The IPv4 address as the 32-bit word a little-endian machine reads from a `sockaddr_in`'s
 * `sin_addr` (the bytes stay in network order), or null when `hostname` is not dotted IPv4.
 */
export function ipv4Word(hostname: string): number | null {
  const match = DOTTED_QUAD.exec(hostname);
  if (match === null) return null;
  let word = 0;
  for (let i = OCTETS; i >= 1; i--) {
    const octet = Number(match[i]);
    if (octet > OCTET_MAX) return null;
    word = word * (1 << BITS_PER_OCTET) + octet;
  }
  return word;
}

/** The dotted form of an IPv4 address word as {@link ipv4Word} makes it. */
export function dottedQuad(word: number): string {
  return `${word & OCTET_MAX}.${word >>> BITS_PER_OCTET & OCTET_MAX}.` +
    `${word >>> 2 * BITS_PER_OCTET & OCTET_MAX}.${word >>> 3 * BITS_PER_OCTET}`;
}

/** Address and port packed in one number: `ipv4Word * 65536 + port`; -1 when not IPv4. */
const packed = new WeakMap<PeerAddress, number>();

/**
 * `address` packed as `ipv4Word * 65536 + port`, or -1 when it is not IPv4. Member addresses
 * are created once when a member binds, so each is parsed once.
 */
export function packedSockaddr(address: PeerAddress): number {
  let value = packed.get(address);
  if (value === undefined) {
    const word = ipv4Word(address.hostname);
    value = word === null ? -1 : word * PORT_SPACE + address.port;
    packed.set(address, value);
  }
  return value;
}

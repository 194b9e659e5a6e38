/**
 * The key every per-source table uses (requests, rooms, members, chat rate): one IPv4 address, or
 * one IPv6 /64. A /64 is the smallest network an IPv6 host is given (RFC 4291 §2.5.1 interface
 * identifiers, RFC 6177 end-site assignment), so one host holds a whole /64: counting its
 * addresses one by one would let it create limits 2^64 times over.
 *
 * @module
 */

/** Hextets of an IPv6 address that name its /64 network. */
const PREFIX_HEXTETS = 4;
/** Hextets in a whole IPv6 address. */
const ALL_HEXTETS = 8;
/** How an IPv4 address embedded in IPv6 starts (RFC 4291 §2.5.5.2, IPv4-mapped). */
const MAPPED_V4 = "::ffff:";

/**
 * The source `ip` counts as: an IPv4 address itself (also when written IPv4-mapped, `::ffff:a.b.c.d`),
 * an IPv6 address its /64 prefix, e.g. `2001:db8:0:1::/64`. Anything else is returned as is.
 *
 * @example
 * ```ts
 * sourceKey("2001:db8:0:1::5") === sourceKey("2001:db8::1:ab:cd:ef:1"); // false
 * sourceKey("2001:db8:0:1::5") === sourceKey("2001:db8:0:1:ffff::"); // true
 * ```
 */
export function sourceKey(ip: string): string {
  if (!ip.includes(":")) return ip;
  const lower = ip.toLowerCase();
  if (lower.startsWith(MAPPED_V4) && lower.includes(".")) return lower.slice(MAPPED_V4.length);
  const hextets = expand(lower.split("%")[0]);
  if (hextets === null) return ip;
  return `${hextets.slice(0, PREFIX_HEXTETS).join(":")}::/64`;
}

/** The eight hextets of an IPv6 address, without leading zeros; null when it is not one. */
function expand(ip: string): string[] | null {
  const halves = ip.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] === "" ? [] : halves[0].split(":");
  const tail = halves.length === 1 || halves[1] === "" ? [] : halves[1].split(":");
  const missing = ALL_HEXTETS - head.length - tail.length;
  if (missing < 0 || (halves.length === 1 && missing !== 0)) return null;
  const all = [...head, ...Array<string>(missing).fill("0"), ...tail];
  return all.map((hextet) => hextet.replace(/^0+(?=.)/, ""));
}

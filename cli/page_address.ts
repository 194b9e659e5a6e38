import { formatHostPort } from "../server/mod.ts";

/** Wildcard listening addresses and the loopback address a browser on this machine opens instead. */
const WILDCARD_TO_LOOPBACK: ReadonlyMap<string, string> = new Map([
  ["0.0.0.0", "127.0.0.1"],
  ["::", "::1"],
]);

/**
 * The `host:port` to put in a URL for a browser on this machine, for a web port listening on
 * `host`: the host itself, or loopback for a wildcard address, which a browser cannot open
 * (`0.0.0.0` → `127.0.0.1`, `::` → `[::1]`).
 *
 * @example
 * ```ts
 * pageAddress("0.0.0.0", 8080); // "127.0.0.1:8080"
 * pageAddress("::1", 8080); // "[::1]:8080"
 * ```
 */
export function pageAddress(host: string, port: number): string {
  return formatHostPort(WILDCARD_TO_LOOPBACK.get(host) ?? host, port);
}

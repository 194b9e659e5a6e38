/**
 * Where and how `kaiwa join` talks to its server, from its options: TLS with the pinned identity
 * unless `--insecure-plaintext`.
 *
 * @module
 */

import type { ServerPin } from "./known_servers.ts";
import { type JoinOptions, KNOWN_SERVERS_FILE } from "./options.ts";
import type { ServerAddress } from "./room_request.ts";

/**
 * The server address of `options`: TLS checked by `--fingerprint`, else by the known-servers file
 * in `options.dataDir`, telling `onPinned` when that file pins a new server; plain TCRP with
 * `insecurePlaintext`.
 *
 * @example
 * ```ts
 * import { DEFAULT_JOIN_OPTIONS } from "./options.ts";
 * import { serverAddressOf } from "./server_address.ts";
 * serverAddressOf({ ...DEFAULT_JOIN_OPTIONS, dataDir: "/tmp/k" }).tls?.knownServers;
 * // "/tmp/k/known_servers"
 * ```
 */
export function serverAddressOf(
  options: Pick<JoinOptions, "host" | "port" | "insecurePlaintext" | "fingerprint" | "dataDir">,
  onPinned?: (pin: ServerPin) => void,
): ServerAddress {
  const { host, port } = options;
  if (options.insecurePlaintext) return { host, port };
  const knownServers = options.fingerprint === null && options.dataDir !== null
    ? `${options.dataDir}/${KNOWN_SERVERS_FILE}`
    : null;
  return { host, port, tls: { fingerprint: options.fingerprint, knownServers, onPinned } };
}

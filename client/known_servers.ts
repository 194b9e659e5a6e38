/**
 * The known-servers file, as SSH's known_hosts: one `host:port SHA256:…` line per server whose
 * TLS identity the client pinned on first use (docs/protocol.md §2.8).
 *
 * @module
 */

import { errorMessage, isFingerprint } from "../util/mod.ts";
import { ClientError } from "./errors.ts";

/** The file holds no secret, but only its user should change whom the client trusts. */
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** How a server's identity stood against the file. */
export type PinOutcome = "known" | "pinned";

/** A server whose identity was just pinned: what the user needs to check it by hand. */
export interface ServerPin {
  /** The server's key in the file, `host:port`. */
  readonly key: string;
  /** The fingerprint pinned, `SHA256:…`. */
  readonly fingerprint: string;
  /** The known-servers file it was written to. */
  readonly file: string;
}

/**
 * The one sentence that tells the user a first connection pinned `pin`: trust on first use is
 * only as good as that first connection, and the user can check it only if told it happened.
 *
 * @example
 * ```ts
 * import { pinnedNotice } from "./known_servers.ts";
 * pinnedNotice({ key: "127.0.0.1:9001", fingerprint: "SHA256:…", file: "/k/known_servers" });
 * // "first connection to 127.0.0.1:9001: its identity SHA256:… is now pinned in /k/known_servers (…)"
 * ```
 */
export function pinnedNotice(pin: ServerPin): string {
  return `first connection to ${pin.key}: its identity ${pin.fingerprint} is now pinned in ` +
    `${pin.file} (compare it with the fingerprint the server printed when it started)`;
}

/**
 * The key of a server in the file: `host:port`, an IPv6 literal in brackets.
 *
 * @example
 * ```ts
 * import { serverKey } from "./known_servers.ts";
 * serverKey("::1", 9001); // "[::1]:9001"
 * ```
 */
export function serverKey(host: string, port: number): string {
  return host.includes(":") && !host.startsWith("[") ? `[${host}]:${port}` : `${host}:${port}`;
}

/** The fingerprints in `text`, by server key; blank lines, `#` comments and bad lines are skipped. */
export function parseKnownServers(text: string): Map<string, string> {
  const known = new Map<string, string>();
  for (const line of text.split("\n")) {
    const [key, fingerprint, ...rest] = line.trim().split(/\s+/);
    if (key === "" || key.startsWith("#") || rest.length > 0) continue;
    if (fingerprint === undefined || !isFingerprint(fingerprint)) continue;
    if (!known.has(key)) known.set(key, fingerprint);
  }
  return known;
}

/**
 * Checks `fingerprint` against the one `file` holds for `key`; records it when there is none
 * (trust on first use).
 *
 * @throws {ClientError} `serverIdentityChanged` when the file holds another fingerprint for
 * `key`; `unreachable` when the file cannot be read or written.
 */
export async function checkKnownServer(
  file: string,
  key: string,
  fingerprint: string,
): Promise<PinOutcome> {
  const pinned = parseKnownServers(await readOrEmpty(file)).get(key);
  if (pinned === fingerprint) return "known";
  if (pinned !== undefined) {
    throw new ClientError(
      `The server at ${key} presents the identity ${fingerprint}, not the ${pinned} pinned in ` +
        `${file}, so it may be an impostor: refusing to connect (if its identity really ` +
        `changed, delete its line from that file)`,
      "serverIdentityChanged",
    );
  }
  try {
    const dir = file.replace(/[\\/][^\\/]*$/, "");
    if (dir !== file) await Deno.mkdir(dir, { recursive: true, mode: DIR_MODE });
    await Deno.writeTextFile(file, `${key} ${fingerprint}\n`, { append: true, mode: FILE_MODE });
  } catch (error) {
    throw fileFailure(`Cannot record the server's identity in ${file}`, error);
  }
  return "pinned";
}

async function readOrEmpty(file: string): Promise<string> {
  try {
    return await Deno.readTextFile(file);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return "";
    throw fileFailure(`Cannot read ${file}`, error);
  }
}

/**
 * The file cannot be used, so the server's identity cannot be checked: the connection is refused
 * before any request, as an unreachable server's is. Nothing is wrong with the server, so the
 * sentence says what the user can do instead.
 */
function fileFailure(what: string, error: unknown): ClientError {
  return new ClientError(
    `${what}: ${errorMessage(error)} (give a usable --data-dir, or the server's fingerprint ` +
      `with --fingerprint)`,
    "unreachable",
    { cause: error },
  );
}

/**
 * Why an accept failed: the process is out of a resource (back off), or one connection went
 * wrong (carry on at once); and the accept of the small side endpoints, which pauses after any
 * failure.
 *
 * @module
 */

import { errorMessage } from "../../util/mod.ts";
import type { Logger } from "../log.ts";

/**
 * The `code` of the errors that say the process, not a connection, is out of something: file
 * descriptors (EMFILE for the process, ENFILE for the system) or kernel memory (ENOMEM, ENOBUFS).
 * Deno surfaces these as a plain `Error` whose `code` is the errno name. Accept fails at once and
 * again until one is freed, so the loop must pause; every other accept error (ECONNABORTED, a
 * reset connection whose peer address is already gone) is one connection's, and costs no pause.
 */
const EXHAUSTION_CODES: ReadonlySet<string> = new Set(["EMFILE", "ENFILE", "ENOMEM", "ENOBUFS"]);

/** True when `error` says the process is out of descriptors or memory (see the codes above). */
export function isResourceExhaustion(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" && EXHAUSTION_CODES.has(code);
}

/** Pause after a failed accept, in ms: out of descriptors, accept fails again at once. */
export const ACCEPT_RETRY_MS = 50;

/**
 * The next connection of `listener`, for a small side endpoint (the web and metrics ports; the
 * TCRP port's loop counts and logs exhaustion itself): a failed accept is logged (verbose, after
 * `label`) and retried after {@linkcode ACCEPT_RETRY_MS}, so that a failing accept never spins a
 * core nor floods the log. Null once `closed()` says the listener was closed.
 */
export async function acceptNext(
  listener: Deno.Listener,
  closed: () => boolean,
  log: Logger,
  label: string,
): Promise<Deno.Conn | null> {
  for (;;) {
    try {
      return await listener.accept();
    } catch (error) {
      if (closed()) return null;
      log.verbose(`${label}: accepting a connection failed: ${errorMessage(error)}`);
      await new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS));
    }
  }
}

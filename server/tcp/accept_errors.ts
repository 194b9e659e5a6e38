/**
 * Why an accept failed: the process is out of a resource (back off), or one connection went
 * wrong (carry on at once).
 *
 * @module
 */

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

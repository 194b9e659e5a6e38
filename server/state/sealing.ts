/**
 * The sessions' AEAD and key derivation (`protocol/sealing.ts`), loaded once, on demand: they
 * import `node:crypto`, and the first `node:` module a process imports costs Deno's node
 * compatibility layer, about 10 MiB of resident memory with `node:crypto` (docs/performance.md,
 * "What limits … Memory"). A server whose members are all standard clients never needs them.
 *
 * The loader is awaited where a session first becomes possible, which is asynchronous anyway: the
 * first TLS connection (a session is granted only over TLS) and a cluster node's start (an owner
 * opens sessions for members who came over TLS on other nodes). After that {@linkcode sealing} is
 * synchronous, so neither the join nor the datagram path ever awaits an import.
 *
 * @module
 */

/** What `protocol/sealing.ts` exports. */
export type Sealing = typeof import("../../protocol/sealing.ts");

let loaded: Sealing | null = null;
let loading: Promise<Sealing> | null = null;

/**
 * Loads the AEAD and key derivation; later calls resolve with the same module at once. A failed
 * load is not kept: the next call tries again.
 */
export function loadSealing(): Promise<Sealing> {
  loading ??= import("../../protocol/sealing.ts").then(
    (module) => loaded = module,
    (error) => {
      loading = null;
      throw error;
    },
  );
  return loading;
}

/**
 * The loaded module.
 *
 * @throws {Error} when {@linkcode loadSealing} has not resolved yet: a session was opened on a
 * path that did not load it (a bug, not a peer's doing).
 */
export function sealing(): Sealing {
  if (loaded === null) throw new Error("sessions' crypto is not loaded: await loadSealing() first");
  return loaded;
}

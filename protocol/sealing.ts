/**
 * The session keys' derivation and the AEAD (docs/protocol.md §7.2–§7.3): the part of the
 * protocol that imports `node:crypto`. Not re-exported by `mod.ts` (which has their types):
 * the first `node:` module a process imports loads Deno's node compatibility layer, about 6 MiB
 * of resident memory, `node:crypto` about 4 more; the server imports this module only when a
 * member can first get a session (server/state/sealing.ts).
 *
 * @module
 */

export * from "./session_keys.ts";
export * from "./sealed_datagram.ts";
export * from "./sealed_channel.ts";

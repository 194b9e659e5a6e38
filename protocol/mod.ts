/**
 * kaiwa's wire protocol, as pure codecs: bytes in, typed values out, no I/O. The byte-level
 * specification is `docs/protocol.md`; section numbers in these modules point into it.
 *
 * - TCRP over TCP: `encodeTcrpFrame`, `decodeTcrpFrame`, `TcrpFrameReader`, requests and
 *   responses.
 * - Datagrams over UDP: `parseClientDatagram` and kaiwa commands (client → server);
 *   `encodeTextChat` and kaiwa events (server → client); the Stage 1 lobby datagram.
 * - Decoders throw only `ProtocolError` and its subclasses, whatever the bytes.
 * - Sessions: grants and sealed datagrams' clear headers here; the key derivation and the AEAD,
 *   which need `node:crypto`, in `sealing.ts` (only their types here), so that importing this
 *   module does not load Deno's node compatibility layer.
 *
 * @module
 */

export * from "./constants.ts";
export * from "./errors.ts";
export * from "./utf8.ts";
export * from "./characters.ts";
export * from "./names.ts";
export * from "./tcrp.ts";
export * from "./tcrp_reader.ts";
export * from "./request.ts";
export * from "./response.ts";
export * from "./datagram.ts";
export * from "./commands.ts";
export * from "./events.ts";
export * from "./text_format.ts";
export * from "./text_safety.ts";
export * from "./stage1.ts";
export * from "./tls_detect.ts";
export * from "./session_grant.ts";
export * from "./replay_window.ts";
export * from "./sealed_header.ts";
export type { SessionKeys } from "./session_keys.ts";
export type { OpenFailure, SealedChannel } from "./sealed_channel.ts";

/**
 * The bottom layer: small helpers every other folder may use. It imports nothing of kaiwa.
 *
 * @module
 */

export { type ByteAllocator, ByteSlab, concatBytes, newBytes } from "./bytes.ts";
export { CountsByKey } from "./counts_by_key.ts";
export { errorMessage } from "./errors.ts";
export { type HeadRead, readRequestHead } from "./http_head.ts";
export { preview, PREVIEW_CHARS } from "./text.ts";
export { MS_PER_SECOND } from "./time.ts";
export { type ByteWriter, writeAll } from "./write_all.ts";
export {
  FINGERPRINT_PREFIX,
  fingerprintOfDer,
  fingerprintOfPem,
  isFingerprint,
} from "./fingerprint.ts";
// Types only: the module imports `node:stream`; what runs TLS imports it (`tls_conn.ts`) itself.
export type { ByteConn, TlsConn } from "./tls_conn.ts";
export { NAME_PALETTE_16, NAME_PALETTE_256, nameCssColor, nameHash } from "./name_color.ts";

/**
 * The bottom layer: small helpers every other folder may use. It imports nothing of kaiwa.
 *
 * @module
 */

export { concatBytes } from "./bytes.ts";
export { errorMessage } from "./errors.ts";
export { preview, PREVIEW_CHARS } from "./text.ts";
export { MS_PER_SECOND } from "./time.ts";
export { type ByteWriter, writeAll } from "./write_all.ts";
export {
  FINGERPRINT_PREFIX,
  fingerprintOfDer,
  fingerprintOfPem,
  isFingerprint,
} from "./fingerprint.ts";
export { type ByteConn, duplexOf, TlsConn } from "./tls_conn.ts";
export { NAME_PALETTE_16, NAME_PALETTE_256, nameCssColor, nameHash } from "./name_color.ts";

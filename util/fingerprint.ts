/**
 * Certificate fingerprints as kaiwa prints and pins them: `SHA256:` and the SHA-256 digest of the
 * certificate's DER bytes in base64 without padding, as OpenSSH writes key fingerprints.
 *
 * @module
 */

import { createHash, X509Certificate } from "node:crypto";

/** What every fingerprint starts with: the digest's name, as in OpenSSH's `SHA256:…`. */
export const FINGERPRINT_PREFIX = "SHA256:";

/** A SHA-256 digest in base64 without padding: 43 characters. */
const FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}$/;

/**
 * The fingerprint of a certificate given as DER bytes.
 *
 * @example
 * ```ts
 * import { fingerprintOfDer } from "./fingerprint.ts";
 * fingerprintOfDer(new Uint8Array(0)); // "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
 * ```
 */
export function fingerprintOfDer(der: Uint8Array): string {
  const digest = createHash("sha256").update(der).digest("base64");
  return FINGERPRINT_PREFIX + digest.replace(/=+$/, "");
}

/**
 * The fingerprint of the first certificate of a PEM text.
 *
 * @throws {Error} when `pem` holds no certificate.
 */
export function fingerprintOfPem(pem: string): string {
  return fingerprintOfDer(new Uint8Array(new X509Certificate(pem).raw));
}

/** True when `text` is a fingerprint as kaiwa writes them (`SHA256:` and 43 base64 characters). */
export function isFingerprint(text: string): boolean {
  return FINGERPRINT_PATTERN.test(text);
}

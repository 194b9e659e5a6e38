/**
 * Certificate fingerprints as kaiwa prints and pins them: `SHA256:` and the SHA-256 digest of the
 * certificate's DER bytes in base64 without padding, as OpenSSH writes key fingerprints. Computed
 * with WebCrypto, not `node:crypto`: the server prints its fingerprint at start, and importing a
 * `node:` module there would load Deno's node compatibility layer (about 6 MiB of resident memory)
 * for a server that may never serve TLS.
 *
 * @module
 */

/** What every fingerprint starts with: the digest's name, as in OpenSSH's `SHA256:…`. */
export const FINGERPRINT_PREFIX = "SHA256:";

/** A SHA-256 digest in base64 without padding: 43 characters. */
const FINGERPRINT_PATTERN = /^SHA256:[A-Za-z0-9+/]{43}$/;

/** The first certificate of a PEM text, its base64 body in group 1 (RFC 7468 §2). */
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/;

/**
 * The fingerprint of a certificate given as DER bytes.
 *
 * @example
 * ```ts
 * import { fingerprintOfDer } from "./fingerprint.ts";
 * await fingerprintOfDer(new Uint8Array(0)); // "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
 * ```
 */
export async function fingerprintOfDer(der: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", der));
  return FINGERPRINT_PREFIX + digest.toBase64({ omitPadding: true });
}

/**
 * The fingerprint of the first certificate of a PEM text. The DER bytes are not parsed: a
 * certificate TLS cannot use fails when TLS loads it.
 *
 * @throws {Error} when `pem` holds no certificate block, or its body is not base64.
 */
export async function fingerprintOfPem(pem: string): Promise<string> {
  const body = PEM_CERTIFICATE.exec(pem)?.[1];
  if (body === undefined) throw new Error("no BEGIN CERTIFICATE block");
  return await fingerprintOfDer(Uint8Array.fromBase64(body.replace(/\s+/g, "")));
}

/** True when `text` is a fingerprint as kaiwa writes them (`SHA256:` and 43 base64 characters). */
export function isFingerprint(text: string): boolean {
  return FINGERPRINT_PATTERN.test(text);
}

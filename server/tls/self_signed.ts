/**
 * A self-signed TLS identity, made with WebCrypto and `@peculiar/x509`: kaiwa's client pins the
 * certificate's fingerprint (docs/protocol.md §2.8), so no authority needs to sign it.
 *
 * @module
 */

// @peculiar/x509 resolves its algorithms through tsyringe, which needs the Reflect metadata API.
import "reflect-metadata";
import * as x509 from "@peculiar/x509";

/** A certificate and its private key, both PEM. */
export interface PemIdentity {
  /** The certificate, `-----BEGIN CERTIFICATE-----`. */
  readonly cert: string;
  /** The PKCS #8 private key, `-----BEGIN PRIVATE KEY-----`. */
  readonly key: string;
}

/** ECDSA over P-256 with SHA-256: the signature every TLS 1.2 and 1.3 stack accepts (RFC 8446 §9.1). */
const ALGORITHM = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

/** The name every generated certificate carries, whatever the server's address. */
export const SELF_SIGNED_NAME = "kaiwa";

/** Validity of a generated certificate: the pin, not the date, is what the client checks. */
const VALIDITY_DAYS = 100 * 365;
const MS_PER_DAY = 86_400_000;
/** Bytes of the random serial number (RFC 5280 §4.1.2.2 allows up to 20). */
const SERIAL_BYTES = 16;

/** Addresses that name no host: a certificate does not list them. */
const WILDCARDS: ReadonlySet<string> = new Set(["", "0.0.0.0", "::", "[::]"]);

/**
 * Generates a fresh identity for `host` (the listening address): a P-256 key and a certificate
 * with the subject `CN=kaiwa`, the names `kaiwa` and `host` (unless a wildcard), marked as no
 * authority (`CA:FALSE`, which rustls requires of an end certificate) and for server use.
 */
export async function generateSelfSigned(host: string, now = new Date()): Promise<PemIdentity> {
  x509.cryptoProvider.set(crypto);
  const keys = await crypto.subtle.generateKey(ALGORITHM, true, ["sign", "verify"]);
  const names: x509.JsonGeneralName[] = [{ type: "dns", value: SELF_SIGNED_NAME }];
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  if (!WILDCARDS.has(host) && bare !== SELF_SIGNED_NAME) {
    names.push({ type: isIpAddress(bare) ? "ip" : "dns", value: bare });
  }
  const serial = crypto.getRandomValues(new Uint8Array(SERIAL_BYTES));
  serial[0] &= 0x7f; // A positive INTEGER.
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: Array.from(serial, (byte) => byte.toString(16).padStart(2, "0")).join(""),
    name: `CN=${SELF_SIGNED_NAME}`,
    notBefore: now,
    notAfter: new Date(now.getTime() + VALIDITY_DAYS * MS_PER_DAY),
    signingAlgorithm: ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension(names),
    ],
  });
  const pkcs8 = await crypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { cert: cert.toString("pem"), key: x509.PemConverter.encode(pkcs8, "PRIVATE KEY") };
}

/** True for an IPv4 or IPv6 literal. */
function isIpAddress(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");
}

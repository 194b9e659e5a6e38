/**
 * The server's TLS identity: the certificate and key files the operator gave, or the self-signed
 * identity kept in the data directory, made on first start and the same ever after.
 *
 * @module
 */

import { errorMessage, fingerprintOfPem } from "../../util/mod.ts";
import type { PemIdentity } from "./self_signed.ts";

/** The identity the server presents, with the fingerprint clients pin. */
export interface ServerIdentity extends PemIdentity {
  /** `SHA256:` and the certificate's digest, as the server prints it and clients pin it. */
  readonly fingerprint: string;
  /** Where it came from, for the log: the files given, or the data directory's files. */
  readonly source: string;
}

/** Where the identity comes from; every field null means no TLS. */
export interface IdentitySource {
  /** PEM certificate file (`--tls-cert`); given with `tlsKey`. */
  readonly tlsCert: string | null;
  /** PEM private key file (`--tls-key`); given with `tlsCert`. */
  readonly tlsKey: string | null;
  /** Directory keeping the generated identity (`--data-dir`). */
  readonly dataDir: string | null;
  /** The listening address, named in a generated certificate. */
  readonly host: string;
}

/** The generated identity's files in the data directory. */
export const CERT_FILE = "server_cert.pem";
export const KEY_FILE = "server_key.pem";
/** Only the server's user may read the key (and enter the directory). */
const KEY_MODE = 0o600;
const DIR_MODE = 0o700;

/** Why the identity could not be loaded or made: its sentence names the file. */
export class IdentityError extends Error {
  /** `message` says which file and why. */
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "IdentityError";
  }
}

/**
 * Loads the identity: the files given, else the data directory's (generating them the first
 * time); null when neither is given.
 *
 * @throws {IdentityError} when a file cannot be read, written or parsed.
 */
export async function loadIdentity(source: IdentitySource): Promise<ServerIdentity | null> {
  if (source.tlsCert !== null && source.tlsKey !== null) {
    const pem = { cert: await read(source.tlsCert), key: await read(source.tlsKey) };
    return await withFingerprint(pem, `${source.tlsCert} and ${source.tlsKey}`);
  }
  if (source.dataDir === null) return null;
  const certPath = `${source.dataDir}/${CERT_FILE}`;
  const keyPath = `${source.dataDir}/${KEY_FILE}`;
  if (await exists(certPath) && await exists(keyPath)) {
    return await withFingerprint(
      { cert: await read(certPath), key: await read(keyPath) },
      certPath,
    );
  }
  // Loaded only to make a certificate (the first start): the X.509 library adds about 20 MiB to
  // the process's resident memory, for good, once imported.
  const { generateSelfSigned } = await import("./self_signed.ts");
  const made = await generateSelfSigned(source.host);
  try {
    await Deno.mkdir(source.dataDir, { recursive: true, mode: DIR_MODE });
    await Deno.writeTextFile(keyPath, made.key, { mode: KEY_MODE });
    await Deno.chmod(keyPath, KEY_MODE).catch(() => {}); // Windows has no modes.
    await Deno.writeTextFile(certPath, made.cert);
  } catch (error) {
    throw new IdentityError(
      `cannot keep the TLS identity in ${source.dataDir}: ${errorMessage(error)}`,
      { cause: error },
    );
  }
  return await withFingerprint(made, `${certPath} (generated now)`);
}

async function withFingerprint(pem: PemIdentity, source: string): Promise<ServerIdentity> {
  try {
    return { ...pem, fingerprint: await fingerprintOfPem(pem.cert), source };
  } catch (error) {
    throw new IdentityError(`no certificate in ${source}: ${errorMessage(error)}`, {
      cause: error,
    });
  }
}

async function read(path: string): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new IdentityError(`cannot read ${path}: ${errorMessage(error)}`, { cause: error });
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw new IdentityError(`cannot read ${path}: ${errorMessage(error)}`, { cause: error });
  }
}

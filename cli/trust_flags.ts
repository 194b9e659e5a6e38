/**
 * The flags `kaiwa join` and `kaiwa rooms` share to decide how far to trust the server: pin its
 * TLS identity (`--fingerprint`, or known_servers in `--data-dir`), or speak without TLS.
 *
 * @module
 */

import type { JoinOptions } from "../client/options.ts";
import type { FlagSpec, ParsedFlags } from "./flags.ts";
import { UsageError } from "./usage_error.ts";
import { parseFingerprint, parseText } from "./values.ts";

/** How a client trusts the server, as the trust flags set it. */
export type ServerTrustOptions = Pick<JoinOptions, "insecurePlaintext" | "fingerprint" | "dataDir">;

/** The trust flags, in help order. */
export const TRUST_FLAGS: readonly FlagSpec[] = [
  { name: "fingerprint", value: "SHA256:…", help: "Require this server identity" },
  { name: "insecure-plaintext", help: "No TLS: password and token go in clear" },
  {
    name: "data-dir",
    value: "DIR",
    help: "known_servers' folder (default: state dir)",
    env: true,
  },
];

/**
 * Sets `options`' trust fields from the trust flags given in `flags`.
 *
 * @throws {UsageError} a bad fingerprint or folder, or `--insecure-plaintext` with `--fingerprint`.
 */
export function parseServerTrust(flags: ParsedFlags, options: ServerTrustOptions): void {
  if (flags.boolean("insecure-plaintext")) options.insecurePlaintext = true;
  const fingerprint = flags.string("fingerprint");
  if (fingerprint !== undefined) {
    options.fingerprint = parseFingerprint(fingerprint, "--fingerprint");
  }
  const dataDir = flags.string("data-dir");
  if (dataDir !== undefined) options.dataDir = parseText(dataDir, flags.label("data-dir"));
  if (options.insecurePlaintext && options.fingerprint !== null) {
    throw new UsageError("--insecure-plaintext and --fingerprint exclude each other");
  }
}

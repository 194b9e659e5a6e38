/**
 * base64url without padding (RFC 4648 §5): registry keys (any room name as a valid KV key) and
 * session grants in join replies.
 *
 * @module
 */

/** `bytes` as base64url, unpadded. */
export function toBase64url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/**
 * The bytes of unpadded base64url `text`.
 *
 * @throws {DOMException} when `text` is not base64url.
 */
export function fromBase64url(text: string): Uint8Array {
  const b64 = text.replaceAll("-", "+").replaceAll("_", "/");
  const binary = atob(b64 + "=".repeat((4 - b64.length % 4) % 4));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

/**
 * Kafka prints a Uuid as URL-safe base64 without padding ("v9meXjI1RVKB-NSvF0GXDA"); the
 * challenge tester writes the same 16 bytes as standard, padded base64 ("caWaUYloT4uTfi1Zstw1Dg==").
 */

/** Canonical "xxxxxxxx-xxxx-..." form of a base64 Uuid in either alphabet, or undefined if it is not 16 bytes. */
export function uuidFromBase64(text: string): string | undefined {
  const trimmed = text.trim();
  if (!/^[A-Za-z0-9+/_-]{22}(==)?$/.test(trimmed)) return undefined;
  // Node's base64 decoder accepts both alphabets, with or without padding.
  const hex = Buffer.from(trimmed, "base64").toString("hex");
  if (hex.length !== 32) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Kafka's own form: URL-safe, unpadded. */
export function uuidToBase64(uuid: string): string {
  return Buffer.from(uuid.replace(/-/g, ""), "hex").toString("base64url");
}

/**
 * Object keys are derived from content, never from names a device sent: a retry, a duplicate or a second dock
 * lands on the same key, so no file is ever stored twice and no hostile name reaches the store.
 */
export function originalKey(sha256: string): string {
  if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error(`not a lowercase hex SHA-256: ${sha256}`);
  return `originals/${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
}

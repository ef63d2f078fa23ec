// Types for the dependency-free offline verifier shipped inside every export package (verify.mjs beside this file).
import type { KeyObject } from 'node:crypto';

export const MANIFEST_FORMAT: string;
export const CHECKPOINT_STATEMENT_KIND: string;
export function canonicalize(value: unknown): string;
export function hashEvent(e: {
  seq: number;
  at: string;
  mediaId: string | null;
  uploadId: string | null;
  type: string;
  actor: string;
  details: unknown;
  prevHash: string;
  mediaPrevHash: string | null;
}): string;
export function checkpointStatement(c: { seq: number; hash: string; at: string; keyId: string }): Buffer;
export function keyIdOf(publicKey: KeyObject): string;
export function normalizeFingerprint(text: string): string | null;
export function kindLabelOf(media: { kind?: string; kindLabel?: string }): string;
export function verifyCustodyExcerpt(media: { id: string; sha256: string; custody: unknown[] }): string[];
export interface VerifyReport {
  ok: boolean;
  /** The signing key is the one given with --key (the agency's published fingerprint). */
  anchored: boolean;
  exportId?: string;
  createdAt?: string;
  keyId?: string;
  media?: number;
  files?: number;
  events?: number;
  guide?: Array<{ id: string; kind: string; label: string; original: string; proxy: string | null; pip: string | null }>;
  failures: Array<{ subject: string; message: string }>;
  warnings: Array<{ subject: string; message: string }>;
  passed: string[];
}
export function verifyPackage(dir: string, options?: { publicKey?: string; keyId?: string }): Promise<VerifyReport>;

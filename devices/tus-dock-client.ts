import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Upload, type UploadOptions } from 'tus-js-client';
import { ContentHasher } from '../src/ingest/content-hasher.js';

export interface DockUploadOptions {
  /** Base URL of the service, e.g. http://127.0.0.1:8080 */
  baseUrl: string;
  token: string;
  path: string;
  /** Upload-Metadata besides sha256, which is computed here when not given. */
  metadata: Record<string, string>;
  /** Bytes per PATCH; default: the whole file in one request (tus resumes from the offset if it is cut). */
  chunkSize?: number;
  retryDelays?: number[];
  onProgress?: (sent: number, total: number) => void;
  /** Resume an earlier upload instead of creating one. */
  uploadUrl?: string;
  /** Called with the upload URL as soon as the server has created it. */
  onUploadUrl?: (url: string) => void;
}

export interface Receipt {
  uploadId: string;
  mediaId: string | null;
  state: string;
  sha256: string | null;
  verified: boolean;
  errorCode: string | null;
}

/** SHA-256 of a file as a dock computes it before upload. */
export async function sha256OfFile(path: string): Promise<string> {
  return (await ContentHasher.ofStream(createReadStream(path, { highWaterMark: 1024 * 1024 }), false)).sha256;
}

/**
 * How a dock hands a file over: tus upload with the file's hash in the metadata. Resolves with the upload URL
 * once every byte is accepted; the dock must still wait for a verified receipt before freeing the camera.
 */
export async function uploadFile(o: DockUploadOptions): Promise<string> {
  const size = (await stat(o.path)).size;
  const metadata = { ...o.metadata, sha256: o.metadata.sha256 ?? (await sha256OfFile(o.path)) };
  return new Promise((resolve, reject) => {
    const options: UploadOptions = {
      endpoint: `${o.baseUrl}/api/v1/uploads`,
      uploadUrl: o.uploadUrl ?? null,
      uploadSize: size,
      metadata,
      headers: { Authorization: `Bearer ${o.token}` },
      chunkSize: o.chunkSize ?? Number.POSITIVE_INFINITY,
      retryDelays: o.retryDelays ?? [0, 1000, 3000, 5000],
      storeFingerprintForResuming: false,
      removeFingerprintOnSuccess: true,
      onProgress: o.onProgress,
      onError: reject,
      onSuccess: () => resolve(upload.url!),
      // Options are copied when the Upload is made, so the hook must be in them from the start.
      onAfterResponse: () => {
        if (upload.url) o.onUploadUrl?.(upload.url);
      },
    };
    const upload = new Upload(createReadStream(o.path), options);
    upload.start();
  });
}

export async function getReceipt(baseUrl: string, token: string, uploadUrl: string, waitMs = 0): Promise<Receipt> {
  const id = uploadUrl.split('/').pop();
  const query = waitMs > 0 ? `?waitMs=${Math.floor(waitMs)}` : '';
  const res = await fetch(`${baseUrl}/api/v1/uploads/${id}/receipt${query}`, { headers: { Authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`receipt ${id}: HTTP ${res.status} ${await res.text()}`);
  return (await res.json()) as Receipt;
}

/** Longest single receipt request: the server answers sooner when verification ends (its limit is 25 s). */
const RECEIPT_WAIT_MS = 20_000;

/**
 * Waits until the file is verified, rejected or found already disposed of (or the time runs out). Each request
 * asks the server to hold the answer until verification ends (waitMs), so the dock hears it at once; between
 * requests a short pause, growing to 1 s, keeps a rack of docks from hammering a server that answers at once
 * (an upload still being finished, or a server that does not wait).
 */
export async function waitForReceipt(baseUrl: string, token: string, uploadUrl: string, timeoutMs = 60_000): Promise<Receipt> {
  const deadline = Date.now() + timeoutMs;
  const waitMs = () => Math.max(0, Math.min(RECEIPT_WAIT_MS, deadline - Date.now()));
  let delay = 50;
  let receipt = await getReceipt(baseUrl, token, uploadUrl, waitMs());
  while (!receipt.verified && receipt.state !== 'rejected' && receipt.state !== 'disposed' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 1.5, 1000);
    receipt = await getReceipt(baseUrl, token, uploadUrl, waitMs());
  }
  return receipt;
}

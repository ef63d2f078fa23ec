import { createReadStream } from 'node:fs';
import http from 'node:http';

/** Low-level tus requests, for tests that need to misbehave on purpose (cut connections, bad headers). */

export function encodeMetadata(meta: Record<string, string>): string {
  return Object.entries(meta)
    .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
    .join(',');
}

export interface TusResponse {
  status: number;
  headers: Headers;
  body: string;
}

export async function createUpload(baseUrl: string, token: string | null, size: number, meta: Record<string, string>, extraHeaders: Record<string, string> = {}): Promise<TusResponse & { location: string | null }> {
  const res = await fetch(`${baseUrl}/api/v1/uploads`, {
    method: 'POST',
    headers: {
      'Tus-Resumable': '1.0.0',
      'Upload-Length': String(size),
      'Upload-Metadata': encodeMetadata(meta),
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
      ...extraHeaders,
    },
  });
  const location = res.headers.get('location');
  return { status: res.status, headers: res.headers, body: await res.text(), location: location ? new URL(location, baseUrl).toString() : null };
}

export async function headUpload(url: string, token: string | null): Promise<{ status: number; offset: number | null }> {
  const res = await fetch(url, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0', ...(token ? { Authorization: `Bearer ${token}` } : {}) } });
  const offset = res.headers.get('upload-offset');
  return { status: res.status, offset: offset === null ? null : Number(offset) };
}

/**
 * PATCHes bytes [offset, end) of a file. With `cutAfter`, the socket is destroyed once that many bytes are sent:
 * a dock losing its uplink mid-transfer.
 */
export function patchUpload(url: string, token: string, file: string, offset: number, end: number, cutAfter?: number): Promise<{ status: number; offset: number | null; cut: boolean }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, {
      method: 'PATCH',
      headers: {
        'Tus-Resumable': '1.0.0',
        'Upload-Offset': String(offset),
        'Content-Type': 'application/offset+octet-stream',
        'Content-Length': String(end - offset),
        Authorization: `Bearer ${token}`,
      },
    });
    let cut = false;
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, offset: res.headers['upload-offset'] ? Number(res.headers['upload-offset']) : null, cut }));
    });
    req.on('error', (err) => (cut ? resolve({ status: 0, offset: null, cut }) : reject(err)));
    const source = createReadStream(file, { start: offset, end: end - 1, highWaterMark: 64 * 1024 });
    let sent = 0;
    source.on('data', (data) => {
      const chunk = data as Buffer;
      if (cutAfter !== undefined && sent + chunk.length >= cutAfter) {
        req.write(chunk.subarray(0, Math.max(0, cutAfter - sent)));
        cut = true;
        source.destroy();
        // Give the bytes a moment to reach the server before the line drops.
        setTimeout(() => req.destroy(), 200);
        return;
      }
      sent += chunk.length;
      req.write(chunk);
    });
    source.on('end', () => req.end());
  });
}

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline, Readable } from 'node:stream';
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  paginateListObjectsV2,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import {
  assertSafeKey,
  assertValidRange,
  notFoundError,
  rangeNotSatisfiableError,
  SizeGuard,
  sizeMismatch,
  STREAM_CHUNK_BYTES,
} from './driver-support.js';
import type { ByteRange, ObjectInfo, ObjectLock, ObjectStore, PutOptions, StoreUsage } from './object-store.js';
import { S3ObjectLock } from './s3-object-lock.js';

/** S3's floor for every part but the last. */
const MIN_PART_BYTES = 5 * 1024 * 1024;

export interface S3StoreOptions {
  /** e.g. `http://minio:9000`. */
  endpoint: string;
  bucket: string;
  /** Default `us-east-1`; MinIO and s3rver accept any region. */
  region?: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Path-style URLs (`endpoint/bucket/key`): what MinIO and s3rver expect. Default true. */
  forcePathStyle?: boolean;
  /**
   * Multipart part size, at least 5 MiB. Up to four parts upload at once and each is buffered whole, so memory per
   * put is about 5 × this. Default 8 MiB.
   */
  partSizeBytes?: number;
  /**
   * Create a missing bucket with Object Lock enabled (which also turns versioning on), so originals can be kept
   * write-once. Object Lock can only be chosen when a bucket is created. Default true.
   */
  objectLockOnCreate?: boolean;
}

/**
 * Objects in one S3 bucket (MinIO, AWS, s3rver in tests). Puts go through lib-storage's Upload: one PutObject for
 * small bodies, multipart otherwise; S3 only makes an object visible once the PutObject or
 * CompleteMultipartUpload succeeds, so a failed put leaves no object behind.
 */
export class S3Store implements ObjectStore {
  readonly kind = 's3' as const;
  readonly bucket: string;
  /** The SDK client, exposed so operators and tests can add middleware (request logging, recording). */
  readonly client: S3Client;
  private readonly partSizeBytes: number;
  private readonly objectLockOnCreate: boolean;
  /** Object Lock requests for this bucket; `objectLock.probe()` says whether the server and bucket enforce it. */
  readonly objectLock: ObjectLock;

  constructor(options: S3StoreOptions) {
    this.bucket = options.bucket;
    this.partSizeBytes = options.partSizeBytes ?? 8 * 1024 * 1024;
    this.objectLockOnCreate = options.objectLockOnCreate ?? true;
    if (this.partSizeBytes < MIN_PART_BYTES) throw new Error(`partSizeBytes must be at least ${MIN_PART_BYTES}`);
    this.client = new S3Client({
      endpoint: options.endpoint,
      region: options.region ?? 'us-east-1',
      forcePathStyle: options.forcePathStyle ?? true,
      credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey },
      // The default (WHEN_SUPPORTED) sends stream bodies aws-chunked with trailing checksums; several S3-compatible
      // servers store the chunk framing inside the object and still answer 200. We hash content ourselves.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
    this.objectLock = new S3ObjectLock(this.client, this.bucket);
  }

  /**
   * Creates the bucket when it does not exist yet (boot, tests), with Object Lock enabled unless told otherwise.
   * Replicas booting at once race here: whichever loses sees BucketAlreadyOwnedByYou (AWS outside us-east-1,
   * MinIO) or BucketAlreadyExists (AWS us-east-1 legacy, s3rver), and both mean the bucket is there now. A bucket
   * that already exists is left as it is: Object Lock cannot be switched on afterwards (see `objectLock.probe()`).
   */
  async ensureBucket(): Promise<void> {
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
      return;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      await this.client.send(
        new CreateBucketCommand({ Bucket: this.bucket, ObjectLockEnabledForBucket: this.objectLockOnCreate || undefined }),
      );
    } catch (err) {
      const raced = err instanceof S3ServiceException && (err.name === 'BucketAlreadyOwnedByYou' || err.name === 'BucketAlreadyExists');
      if (!raced) throw err;
      // BucketAlreadyExists also answers a name taken by another account: only a bucket we can reach will do.
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    }
  }

  async put(key: string, body: Readable, options?: PutOptions): Promise<ObjectInfo> {
    try {
      assertSafeKey(key);
    } catch (err) {
      body.destroy();
      throw err;
    }
    const guard = new SizeGuard(options?.sizeBytes);
    // Remembered as it happens: when a multipart upload fails, Upload sends AbortMultipartUpload and, should that
    // fail too (s3rver does not implement it), reports the abort's error instead of the one that matters.
    let sourceError: unknown;
    const remember = (err: unknown) => (sourceError ??= err);
    body.on('error', remember);
    guard.on('error', remember);
    pipeline(body, guard, () => undefined);

    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: guard, ContentType: options?.contentType },
      partSize: this.partSizeBytes,
      queueSize: 4,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      guard.destroy();
      throw sourceError ?? err;
    }

    const info = await this.head(key);
    // A 200 alone proves little with S3-compatible servers (see the checksum note above): the size at least must match.
    if (!info) throw new Error(`put of ${key} succeeded but the object is missing`);
    if (info.sizeBytes !== guard.bytes) throw sizeMismatch(guard.bytes, info.sizeBytes);
    return info;
  }

  async putFile(key: string, path: string, options?: PutOptions): Promise<ObjectInfo> {
    const { size } = await stat(path);
    // Declaring the size makes a file truncated or grown mid-upload fail instead of storing the wrong bytes.
    return this.put(key, createReadStream(path, { highWaterMark: STREAM_CHUNK_BYTES }), {
      ...options,
      sizeBytes: options?.sizeBytes ?? size,
    });
  }

  async get(key: string, range?: ByteRange): Promise<Readable> {
    assertSafeKey(key);
    if (range) assertValidRange(range);
    try {
      const out = await this.client.send(
        new GetObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      const body: unknown = out.Body;
      if (!(body instanceof Readable)) throw new Error(`GetObject ${key}: body is not a Node stream`);
      return range ? exactSpan(key, body, range, out.ContentRange, out.ContentLength) : body;
    } catch (err) {
      if (isNotFound(err)) throw notFoundError(key);
      if (range && err instanceof S3ServiceException && err.$metadata.httpStatusCode === 416) {
        throw rangeNotSatisfiableError(key, range);
      }
      throw err;
    }
  }

  async head(key: string): Promise<ObjectInfo | null> {
    assertSafeKey(key);
    try {
      const out = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return {
        key,
        sizeBytes: out.ContentLength ?? 0,
        etag: out.ETag ?? '""',
        lastModified: out.LastModified ?? new Date(0),
      };
    } catch (err) {
      if (isNotFound(err)) return null;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<ObjectInfo> {
    for await (const page of paginateListObjectsV2({ client: this.client }, { Bucket: this.bucket, Prefix: prefix })) {
      for (const o of page.Contents ?? []) {
        if (!o.Key) continue;
        yield { key: o.Key, sizeBytes: o.Size ?? 0, etag: o.ETag ?? '""', lastModified: o.LastModified ?? new Date(0) };
      }
    }
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
  }

  async usage(): Promise<StoreUsage> {
    // S3 has no notion of free space, and summing usage means listing every object.
    return { usedBytes: null, freeBytes: null };
  }

  async ping(): Promise<void> {
    await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
  }

  /** Closes pooled sockets; the store is unusable afterwards. */
  destroy(): void {
    this.client.destroy();
  }
}

function isNotFound(err: unknown): boolean {
  // HEAD responses carry no body, so the SDK can only name them `NotFound`; GET says `NoSuchKey`. A missing
  // bucket is a deployment fault, not a missing object, and must not read as one.
  if (!(err instanceof S3ServiceException) || err.name === 'NoSuchBucket') return false;
  return err.name === 'NotFound' || err.name === 'NoSuchKey' || err.$metadata.httpStatusCode === 404;
}

/**
 * HTTP lets a server answer a Range request with more than was asked (a whole-object 200 when it ignores Range;
 * s3rver reads `bytes=0-0` as "from 0 to the end"). Handing that on would corrupt every ranged HTTP response
 * built on it, so the served span is checked and, when it covers the request, trimmed to it.
 */
function exactSpan(
  key: string,
  body: Readable,
  range: ByteRange,
  contentRange: string | undefined,
  contentLength: number | undefined,
): Readable {
  const served = contentRange ? /^bytes (\d+)-(\d+)\/(\d+)$/.exec(contentRange) : null;
  const [first, last, size] = served
    ? [Number(served[1]), Number(served[2]), Number(served[3])]
    : [0, (contentLength ?? 0) - 1, contentLength ?? 0];
  const wantedLast = Math.min(range.end, size - 1);
  if (first === range.start && last === wantedLast) return body;
  if (first > range.start || last < wantedLast) {
    body.destroy();
    throw new Error(`GetObject ${key}: asked for ${range.start}-${range.end}, served ${first}-${last}/${size}`);
  }
  return Readable.from(trim(body, range.start - first, wantedLast - range.start + 1), { objectMode: false });
}

async function* trim(source: Readable, skip: number, length: number): AsyncGenerator<Buffer> {
  let toSkip = skip;
  let left = length;
  // Leaving the loop early destroys `source`, which frees the socket instead of downloading the rest.
  for await (const chunk of source as AsyncIterable<Buffer>) {
    const from = Math.min(toSkip, chunk.length);
    toSkip -= from;
    const piece = chunk.subarray(from, from + left);
    left -= piece.length;
    if (piece.length > 0) yield piece;
    if (left === 0) return;
  }
  if (left > 0) throw new Error(`ranged body ended ${left} bytes short`);
}

import {
  DeleteObjectCommand,
  GetObjectLegalHoldCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  ListObjectVersionsCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { assertSafeKey } from './driver-support.js';
import type { ObjectLock, ObjectLockState, ObjectLockSupport } from './object-store.js';

/**
 * S3 Object Lock for one bucket. Which servers enforce it: AWS S3 and MinIO (both only on buckets created with
 * Object Lock enabled, which also turns versioning on), Ceph RGW (likewise). s3rver answers NotImplemented, and a
 * bucket created without it answers ObjectLockConfigurationNotFoundError: `probe` reports both as unsupported
 * rather than failing, so the platform runs on them with the database as the only guard.
 */
export class S3ObjectLock implements ObjectLock {
  private support: Promise<ObjectLockSupport> | null = null;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  probe(): Promise<ObjectLockSupport> {
    this.support ??= this.askBucket().catch((err) => {
      // A transient failure (network, 5xx, credentials) is not an answer: forget it so the next call asks again.
      this.support = null;
      throw err;
    });
    return this.support;
  }

  private async askBucket(): Promise<ObjectLockSupport> {
    try {
      const out = await this.client.send(new GetObjectLockConfigurationCommand({ Bucket: this.bucket }));
      if (out.ObjectLockConfiguration?.ObjectLockEnabled === 'Enabled') return { supported: true };
      return { supported: false, reason: `bucket ${this.bucket} does not have Object Lock enabled` };
    } catch (err) {
      const why = unsupportedReason(err);
      if (why) return { supported: false, reason: why };
      throw err;
    }
  }

  async retainUntil(key: string, until: Date): Promise<void> {
    assertSafeKey(key);
    await this.client.send(
      new PutObjectRetentionCommand({ Bucket: this.bucket, Key: key, Retention: { Mode: 'COMPLIANCE', RetainUntilDate: until } }),
    );
  }

  async setLegalHold(key: string, on: boolean): Promise<void> {
    assertSafeKey(key);
    await this.client.send(new PutObjectLegalHoldCommand({ Bucket: this.bucket, Key: key, LegalHold: { Status: on ? 'ON' : 'OFF' } }));
  }

  async state(key: string): Promise<ObjectLockState> {
    assertSafeKey(key);
    const state: ObjectLockState = { mode: null, retainUntil: null, legalHold: false };
    try {
      const r = await this.client.send(new GetObjectRetentionCommand({ Bucket: this.bucket, Key: key }));
      state.mode = (r.Retention?.Mode as ObjectLockState['mode']) ?? null;
      state.retainUntil = r.Retention?.RetainUntilDate ?? null;
    } catch (err) {
      if (!(err instanceof S3ServiceException && err.name === 'NoSuchObjectLockConfiguration')) throw err;
    }
    try {
      const h = await this.client.send(new GetObjectLegalHoldCommand({ Bucket: this.bucket, Key: key }));
      state.legalHold = h.LegalHold?.Status === 'ON';
    } catch (err) {
      if (!(err instanceof S3ServiceException && err.name === 'NoSuchObjectLockConfiguration')) throw err;
    }
    return state;
  }

  async deleteAllVersions(key: string): Promise<void> {
    assertSafeKey(key);
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    for (;;) {
      const page = await this.client.send(
        new ListObjectVersionsCommand({ Bucket: this.bucket, Prefix: key, KeyMarker: keyMarker, VersionIdMarker: versionMarker }),
      );
      // Prefix also matches longer keys: only this exact key's versions and delete markers go.
      const versions = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].filter((v) => v.Key === key && v.VersionId);
      for (const v of versions) {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key, VersionId: v.VersionId }));
      }
      if (!page.IsTruncated) return;
      keyMarker = page.NextKeyMarker;
      versionMarker = page.NextVersionIdMarker;
    }
  }
}

/** The errors that mean "this server or bucket has no Object Lock", as opposed to a failure worth retrying. */
function unsupportedReason(err: unknown): string | null {
  if (!(err instanceof S3ServiceException)) return null;
  const status = err.$metadata.httpStatusCode;
  if (err.name === 'ObjectLockConfigurationNotFoundError') return 'the bucket was created without Object Lock';
  if (err.name === 'NotImplemented' || status === 501) return `the S3 server does not implement Object Lock (${err.name})`;
  if (err.name === 'MethodNotAllowed' || status === 405) return `the S3 server does not implement Object Lock (${err.name})`;
  return null;
}

import { startS3Server } from '../../test/helpers/s3-server.js';

/** s3rver as its own process for bench:scale (so its CPU is not the benchmark's): prints its settings as JSON. */
const s3 = await startS3Server();
process.stdout.write(`${JSON.stringify({ endpoint: s3.endpoint, bucket: s3.bucket, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey })}\n`);
const stop = () => void s3.stop().finally(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);

import { createHash, randomBytes } from 'node:crypto';
import { createSHA256, createSM3, type IHasher } from 'hash-wasm';

export interface HashSpeed {
  algorithm: 'sha256' | 'sm3';
  nodeCryptoMBps: number;
  hashWasmMBps: number;
  /** hash-wasm with its state saved and loaded into a fresh hasher after every chunk (a replica change each MiB). */
  hashWasmSaveLoadMBps: number;
  stateBytes: number;
  saveLoadMicros: number;
}

/**
 * Can the receive-time hash state be made durable (hash-wasm's save()/load(), stored beside the upload's offset) at
 * an acceptable cost? Node's crypto cannot export its state; hash-wasm can. Hashes `totalMiB` of in-memory random
 * bytes in 1 MiB chunks (the size the spool writes), so disk and network stay out of the figure.
 */
export async function measureHashSpeeds(totalMiB: number): Promise<HashSpeed[]> {
  const chunk = randomBytes(1024 * 1024);
  const mbps = (ms: number) => (totalMiB * 1.048576) / (ms / 1000);
  const time = (fn: () => void) => {
    const t = performance.now();
    fn();
    return performance.now() - t;
  };
  const out: HashSpeed[] = [];
  for (const [algorithm, create] of [['sha256', createSHA256], ['sm3', createSM3]] as const) {
    const nodeMs = time(() => {
      const h = createHash(algorithm);
      for (let i = 0; i < totalMiB; i++) h.update(chunk);
      h.digest('hex');
    });
    const wasm: IHasher = await create();
    const wasmMs = time(() => {
      wasm.init();
      for (let i = 0; i < totalMiB; i++) wasm.update(chunk);
      wasm.digest('hex');
    });
    const other: IHasher = await create();
    let stateBytes = 0;
    let saveLoadMs = 0;
    const saveLoadTotalMs = time(() => {
      wasm.init();
      let current = wasm;
      let next = other;
      for (let i = 0; i < totalMiB; i++) {
        current.update(chunk);
        const t = performance.now();
        const state = current.save();
        next.load(state);
        saveLoadMs += performance.now() - t;
        stateBytes = state.length;
        [current, next] = [next, current];
      }
      current.digest('hex');
    });
    out.push({
      algorithm,
      nodeCryptoMBps: mbps(nodeMs),
      hashWasmMBps: mbps(wasmMs),
      hashWasmSaveLoadMBps: mbps(saveLoadTotalMs),
      stateBytes,
      saveLoadMicros: (saveLoadMs / totalMiB) * 1000,
    });
  }
  return out;
}

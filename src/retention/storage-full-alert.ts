import { Counter, Gauge, type Registry } from 'prom-client';

/**
 * The alert raised when ingest refuses footage for lack of space (507 EVM_STORAGE_FULL). Storage full never deletes
 * anything (unlike an NVR, which overwrites its oldest footage): it refuses new files, the dock keeps its copy, and
 * these metrics tell operators to add space. Registered in no registry by itself: the /metrics plugin adds them with
 * `registerStorageFullMetrics(registry)`. Alert on `evm_storage_full == 1` or `increase(evm_storage_full_refusals_total[5m]) > 0`.
 */
export const storageFullRefusals = new Counter({
  name: 'evm_storage_full_refusals_total',
  help: 'Ingests refused with 507 EVM_STORAGE_FULL because free space would fall below STORAGE_MIN_FREE_BYTES (nothing is deleted to make room)',
  registers: [],
});

export const storageFull = new Gauge({
  name: 'evm_storage_full',
  help: '1 while the last storage check refused footage for lack of free space, 0 once a check passes again',
  registers: [],
});

export const storageFullLastFreeBytes = new Gauge({
  name: 'evm_storage_full_last_free_bytes',
  help: 'Free bytes the store reported at the last refusal',
  registers: [],
});

export function recordStorageRefusal(freeBytes: number): void {
  storageFullRefusals.inc();
  storageFull.set(1);
  storageFullLastFreeBytes.set(freeBytes);
}

export function recordStorageAccepted(): void {
  storageFull.set(0);
}

export function registerStorageFullMetrics(registry: Registry): void {
  const metrics: Array<[string, Counter | Gauge]> = [
    ['evm_storage_full_refusals_total', storageFullRefusals],
    ['evm_storage_full', storageFull],
    ['evm_storage_full_last_free_bytes', storageFullLastFreeBytes],
  ];
  for (const [name, metric] of metrics) if (!registry.getSingleMetric(name)) registry.registerMetric(metric);
}

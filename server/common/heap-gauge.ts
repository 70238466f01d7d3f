import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import { Gauge, type Registry } from 'prom-client';

/**
 * `nodejs_heap_live_bytes`: heap used as measured right after the last full
 * (mark-sweep) GC, i.e. what the process really keeps. `heap_size_used` also
 * counts garbage not yet collected, which swings by tens of MB under load and
 * hides a leak as well as it fakes one.
 */
export function registerHeapLiveGauge(register: Registry): () => void {
  let live = process.memoryUsage().heapUsed;
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      if (((entry as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) live = process.memoryUsage().heapUsed;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  new Gauge({
    name: 'nodejs_heap_live_bytes', help: 'Heap used right after the last full GC (what the process keeps)', registers: [register],
    collect() { this.set(live); },
  });
  return () => observer.disconnect();
}

/** Prometheus text exposition, parsed just enough: metric name (+labels) → value. */
export type Samples = Map<string, number>;

export async function fetchMetrics(address: string): Promise<Samples> {
  const res = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`GET http://${address}/metrics → ${res.status}`);
  const out: Samples = new Map();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.lastIndexOf(' ');
    out.set(line.slice(0, i), Number(line.slice(i + 1)));
  }
  return out;
}

/** A gauge's value, whatever its labels; NaN when absent. */
export function gauge(samples: Samples, name: string): number {
  for (const [key, v] of samples) if (key === name || key.startsWith(`${name}{`)) return v;
  return Number.NaN;
}

export interface Histogram {
  /** Upper bounds (seconds) with cumulative counts, ascending; +Inf last. */
  buckets: { le: number; count: number }[];
  count: number;
}

/** The histogram's observations between two scrapes. */
export function histogramDelta(before: Samples, after: Samples, name: string): Histogram {
  const buckets: { le: number; count: number }[] = [];
  for (const [key, v] of after) {
    const m = key.startsWith(`${name}_bucket{`) ? /le="([^"]+)"/.exec(key) : null;
    if (!m) continue;
    buckets.push({ le: m[1] === '+Inf' ? Infinity : Number(m[1]), count: v - (before.get(key) ?? 0) });
  }
  buckets.sort((a, b) => a.le - b.le);
  return { buckets, count: buckets[buckets.length - 1]?.count ?? 0 };
}

/** Quantile by linear interpolation inside the bucket, as Prometheus's histogram_quantile does. */
export function histogramQuantile(h: Histogram, q: number): number {
  if (h.count === 0) return Number.NaN;
  const rank = q * h.count;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of h.buckets) {
    if (b.count >= rank) {
      if (b.le === Infinity) return prevLe;
      return prevLe + (b.le - prevLe) * ((rank - prevCount) / Math.max(1, b.count - prevCount));
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

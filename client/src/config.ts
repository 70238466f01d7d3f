import type { ControlEndpoint } from './net/control';

/** Runtime configuration, served by the supervisor as `/statecraft.json` on the page's own origin. */
export interface RuntimeConfig {
  apiUrls: string[];
  /** Fault-injection control endpoint of the local cluster; null when not offered. */
  control: ControlEndpoint | null;
}

const FALLBACK: RuntimeConfig = {
  apiUrls: ['http://localhost:3001', 'http://localhost:3002'],
  control: null,
};

/** Fetches `/statecraft.json`; falls back to the default local ports when it is absent or malformed. */
export async function loadRuntimeConfig(): Promise<RuntimeConfig> {
  try {
    const res = await fetch('/statecraft.json', { cache: 'no-store' });
    if (!res.ok) return FALLBACK;
    return parse(await res.json()) ?? FALLBACK;
  } catch {
    return FALLBACK;
  }
}

function parse(raw: unknown): RuntimeConfig | null {
  if (typeof raw !== 'object' || raw === null) return null;
  const { apiUrls, control } = raw as Record<string, unknown>;
  if (!Array.isArray(apiUrls) || apiUrls.length === 0 || !apiUrls.every((u) => typeof u === 'string')) return null;
  let ctl: RuntimeConfig['control'] = null;
  if (typeof control === 'object' && control !== null) {
    const { url, token } = control as Record<string, unknown>;
    if (typeof url === 'string' && typeof token === 'string') ctl = { url, token };
  }
  return { apiUrls: apiUrls.map((u: string) => u.replace(/\/+$/, '')), control: ctl };
}

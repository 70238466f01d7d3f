import type { ControlEndpoint } from './net/control';

/** Runtime configuration, served by the supervisor as `/statecraft.json` on the page's own origin. */
export interface RuntimeConfig {
  /**
   * Base URL of the API: `/api` on the page's own origin. The ingress spreads it over the live
   * instances, so the page keeps no list of them.
   */
  api: string;
  /** Fault-injection control endpoint of the local cluster; null when not offered. */
  control: ControlEndpoint | null;
}

const FALLBACK: RuntimeConfig = { api: '/api', control: null };

/** Fetches `/statecraft.json`; falls back to `/api` on the page's origin when it is absent or malformed. */
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
  const { api, control } = raw as Record<string, unknown>;
  if (typeof api !== 'string' || api.length === 0) return null;
  let ctl: RuntimeConfig['control'] = null;
  if (typeof control === 'object' && control !== null) {
    const { url, token } = control as Record<string, unknown>;
    if (typeof url === 'string' && typeof token === 'string') ctl = { url, token };
  }
  return { api: api.replace(/\/+$/, ''), control: ctl };
}

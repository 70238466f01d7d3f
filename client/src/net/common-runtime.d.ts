/**
 * The few web-platform globals this library uses, as both a browser and Node ≥ 20 provide them
 * (fetch, timers, performance.now, AbortSignal.timeout). Only client/src/net/tsconfig.json loads
 * this file: it stands in for the DOM lib there, so anything else from the DOM (window, document,
 * location, localStorage, sessionStorage) fails to compile, which is what makes this library
 * usable from the bots. The browser build and the Node build see their own full definitions.
 */

interface AbortSignal {
  readonly aborted: boolean;
}
declare const AbortSignal: { timeout(ms: number): AbortSignal };

interface Headers {
  get(name: string): string | null;
}

interface Response {
  readonly ok: boolean;
  readonly status: number;
  readonly headers: Headers;
  readonly body: { cancel(): Promise<void> } | null;
  json(): Promise<unknown>;
  text(): Promise<string>;
}

interface RequestInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | null;
  signal?: AbortSignal;
}

declare function fetch(url: string, init?: RequestInit): Promise<Response>;

declare const performance: { now(): number };

type TimerHandle = { readonly __timer: unique symbol };
declare function setTimeout(callback: () => void, ms?: number): TimerHandle;
declare function clearTimeout(handle: TimerHandle | undefined): void;
declare function setInterval(callback: () => void, ms?: number): TimerHandle;
declare function clearInterval(handle: TimerHandle | undefined): void;

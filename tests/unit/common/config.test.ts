import { expect, it } from 'vitest';
import { loadConfig } from '../../../server/common/config';

it('keeps every server on loopback, /metrics open and the abuse limits on by default', () => {
  const config = loadConfig({});
  expect(config.BIND_HOST).toBe('127.0.0.1');
  expect(config.METRICS_TOKEN).toBeUndefined();
  expect(config).toMatchObject({ GUEST_RATE_PER_MIN: 20, MATCHMAKE_RATE_PER_MIN: 30, ROOMS_PER_PLAYER: 3, WS_CONNECTIONS_PER_IP: 32 });
  expect(config.REFRESH_TOKEN_TTL).toBe(7 * 24 * 3600);
});

it('refuses a guessable metrics token and negative limits, naming each', () => {
  expect(() => loadConfig({ METRICS_TOKEN: 'short', GUEST_RATE_PER_MIN: '-1' })).toThrow(/METRICS_TOKEN[\s\S]*GUEST_RATE_PER_MIN|GUEST_RATE_PER_MIN[\s\S]*METRICS_TOKEN/);
  expect(loadConfig({ BIND_HOST: '0.0.0.0', WS_CONNECTIONS_PER_IP: '0' })).toMatchObject({ BIND_HOST: '0.0.0.0', WS_CONNECTIONS_PER_IP: 0 });
});

import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../server/common/config';
import { parseStoreAddress, sentinelAddress } from '../../../server/common/redis';

describe('store addresses', () => {
  it('reads one server or a Sentinel list with the primary\'s name', () => {
    expect(parseStoreAddress('redis://127.0.0.1:6379')).toEqual({ kind: 'server', url: 'redis://127.0.0.1:6379' });
    expect(parseStoreAddress('redis-sentinel://a:26379,b:26380#statecraft')).toEqual({
      kind: 'sentinel', name: 'statecraft', sentinels: [{ host: 'a', port: 26379 }, { host: 'b', port: 26380 }],
    });
    expect(parseStoreAddress(sentinelAddress('127.0.0.1:1,127.0.0.1:2', 'x'))).toMatchObject({ kind: 'sentinel', name: 'x' });
  });

  it('refuses a Sentinel list without a name or with a bad host:port', () => {
    expect(() => parseStoreAddress('redis-sentinel://a:1')).toThrow(/#name/);
    expect(() => parseStoreAddress('redis-sentinel://a#x')).toThrow(/host:port/);
  });

  it('REDIS_SENTINELS and REDIS_SENTINEL_NAME become the one store address every process passes to createRedis', () => {
    expect(loadConfig({ REDIS_SENTINELS: 'h1:26379,h2:26379,h3:26379' }).REDIS_URL).toBe('redis-sentinel://h1:26379,h2:26379,h3:26379#statecraft');
    expect(loadConfig({ REDIS_SENTINELS: 'h1:1', REDIS_SENTINEL_NAME: 'main' }).REDIS_URL).toBe('redis-sentinel://h1:1#main');
    expect(loadConfig({}).REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(() => loadConfig({ REDIS_SENTINELS: 'nohost' })).toThrow(/REDIS_SENTINELS/);
  });
});

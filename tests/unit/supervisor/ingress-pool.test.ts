import { describe, expect, it } from 'vitest';
import { unreadyReason } from '../../../server/supervisor/ingress-pool';

describe('why the ingress says an API instance is out of the pool', () => {
  it('reads the HealthStatus the instance answered', () => {
    expect(unreadyReason(503, 'api-1', JSON.stringify({ ok: false, instance: 'api-1', draining: true }))).toBe('draining: it closes in under a second (api-1)');
    expect(unreadyReason(503, 'api-2', JSON.stringify({ ok: false, instance: 'api-2', redis: 'down' }))).toBe('it cannot reach the store (api-2)');
  });

  it('says what was answered when the body is not a HealthStatus (a proxy page, nothing at all)', () => {
    expect(unreadyReason(502, undefined, '<html>Bad Gateway</html>')).toBe('GET /health/ready answered 502');
    expect(unreadyReason(500, 'api-1', '')).toBe('GET /health/ready answered 500 (api-1)');
    expect(unreadyReason(503, 'api-1', '{"ok":false}')).toBe('GET /health/ready answered 503 (api-1)');
  });
});

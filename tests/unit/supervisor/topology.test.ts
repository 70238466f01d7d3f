import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../server/common/config';
import { renderHaproxy } from '../../../server/supervisor/haproxy';
import { apiEnv, fromSettings, nodeEnv, parseTopology, publicApiUrl } from '../../../server/supervisor/topology';
import { poolUrl } from '../../../client/src/net/ingressPool';

const twoHosts = {
  storeUrl: 'redis://10.0.0.2:6379',
  nodes: [{ id: 'node-1', bind: { host: '0.0.0.0', port: 2567 }, reach: { host: '10.0.0.11', port: 2567 } }],
  apis: [{ id: 'api-1', bind: { host: '10.0.0.21', port: 3001 } }],
  ingress: { bind: { host: '10.0.0.5', port: 80 }, publicHost: 'play.example.com', web: null },
};

describe('topology', () => {
  it('gives each process exactly the environment that makes it that process, and the config accepts it', () => {
    const t = parseTopology(twoHosts);
    const node = nodeEnv(t, t.nodes[0]!);
    expect(node).toEqual({ NODE_ID: 'node-1', BIND_HOST: '0.0.0.0', GAME_PORT: '2567', PUBLIC_ADDRESS: 'play.example.com/node-1', REDIS_URL: 'redis://10.0.0.2:6379', TRUST_PROXY: '10.0.0.5' });
    expect(loadConfig(node).PUBLIC_ADDRESS).toBe('play.example.com/node-1');
    const api = apiEnv(t, t.apis[0]!);
    expect(api).toMatchObject({ API_ID: 'api-1', BIND_HOST: '10.0.0.21', API_PORT: '3001', TRUST_PROXY: '10.0.0.5' });
    expect(loadConfig(api).API_PORT).toBe(3001);
    expect(t.apis[0]!.reach).toEqual({ host: '10.0.0.21', port: 3001 }); // reach defaults to bind
    expect(publicApiUrl(t, 'https')).toBe('https://play.example.com/api');
  });

  it('refuses a topology that cannot work, saying why', () => {
    expect(() => parseTopology({ ...twoHosts, nodes: [...twoHosts.nodes, twoHosts.nodes[0]] })).toThrow(/node-1 is used twice/);
    expect(() => parseTopology({ ...twoHosts, apis: [{ id: 'api', bind: { host: 'h', port: 1 } }] })).toThrow(/routes of the ingress/);
    expect(() => parseTopology({ ...twoHosts, ingress: { publicHost: 'x' } })).toThrow(/ingress.bind must be/);
  });

  it('the HAProxy configuration routes what the topology says, and npm start\'s settings make one too', () => {
    const cfg = renderHaproxy(parseTopology(twoHosts));
    expect(cfg).toContain('bind 10.0.0.5:80');
    expect(cfg).toContain('server api-1 10.0.0.21:3001 check');
    expect(cfg).toContain('server node-1 10.0.0.11:2567 check');
    expect(cfg).toContain('use_backend game-node-1 if { path /node-1 } || { path_beg /node-1/ }');
    expect(cfg).toMatch(/inter 250ms .*fall 1/);
    const local = fromSettings(loadConfig({}));
    expect(local.nodes.map((n) => `${n.id}@${n.bind.port}`)).toEqual(['node-1@2567', 'node-2@2568', 'node-3@2569']);
    expect(local.ingress.publicHost).toBe('localhost:8080');
  });

  it('the page finds the balancer\'s pool next to its API base', () => {
    expect(poolUrl('/api')).toBe('/ingress/pool');
    expect(poolUrl('http://10.0.0.5:8080/api')).toBe('http://10.0.0.5:8080/ingress/pool');
    expect(poolUrl('http://127.0.0.1:3001')).toBeNull();
  });
});

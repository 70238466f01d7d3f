import { afterEach, describe, expect, it, vi } from 'vitest';
import { ControlClient, ControlError } from '../../../client/src/net/control';

/** The control endpoint answering `status` with `body` to every request; the requests are kept. */
function answering(status: number, body: unknown) {
  const requests: { url: string; method: string; body: unknown }[] = [];
  vi.stubGlobal('fetch', async (url: string, init: { method: string; body: string | null }) => {
    requests.push({ url, method: init.method, body: init.body === null ? null : JSON.parse(init.body) });
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  });
  return { requests, client: new ControlClient({ url: 'http://control', token: 't' }, () => 0) };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('ControlClient: network faults and fencing', () => {
  it('GET /network gives fencing and the active faults; a supervisor without it (404) gives null', async () => {
    const net = { fencing: true, faults: [{ target: 'node-1', kind: 'partition', since: 1 }] };
    expect(await answering(200, net).client.network()).toEqual(net);
    expect(await answering(404, { code: 'control/not-found', message: 'Try GET /processes or POST /faults.' }).client.network()).toBeNull();
    await expect(answering(401, { code: 'control/unauthorized', message: 'token' }).client.network()).rejects.toBeInstanceOf(ControlError);
  });

  it('POST /faults carries ms for slow only, and records the press of a fault but not of a heal', async () => {
    const { client, requests } = answering(200, { ok: true, message: 'done', at: 1 });
    await client.inject('slow', 'node-2', 300);
    await client.inject('partition', 'node-2');
    await client.inject('heal', 'node-2');
    expect(requests.map((r) => r.body)).toEqual([
      { fault: 'slow', target: 'node-2', ms: 300 }, { fault: 'partition', target: 'node-2' }, { fault: 'heal', target: 'node-2' },
    ]);
    expect(client.faults.map((f) => f.fault)).toEqual(['slow', 'partition']);
    expect(client.lastFaultOn('node-2')?.fault).toBe('partition');
  });

  it('POST /fencing {on}', async () => {
    const { client, requests } = answering(200, { ok: true, message: 'Fencing is off on node-1, node-2.', at: 1, fencing: false });
    expect(await client.setFencing(false)).toEqual({ message: 'Fencing is off on node-1, node-2.' });
    expect(requests).toEqual([{ url: 'http://control/fencing', method: 'POST', body: { on: false } }]);
  });
});

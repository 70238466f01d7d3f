import { connect, type Socket } from 'node:net';
import { once } from 'node:events';

/**
 * Drives `total` GET requests (`path(i)` for i in 0..total-1) over `sockets`
 * keep-alive connections, pipelining up to `window` requests on each: the
 * cheapest client there is, so a million requests measure the server, not the
 * test. Counts responses by status line. Resolves with the count per status.
 */
export async function pipelinedGets(port: number, total: number, path: (i: number) => string, sockets = 8, window = 128): Promise<Map<number, number>> {
  const statuses = new Map<number, number>();
  let next = 0;
  const request = (i: number): string => `GET ${path(i)} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n`;

  async function drive(socket: Socket): Promise<void> {
    let outstanding = 0;
    let tail = '';
    const send = (): void => {
      let batch = '';
      while (outstanding < window && next < total) {
        batch += request(next++);
        outstanding++;
      }
      if (batch) socket.write(batch);
    };
    await new Promise<void>((resolve, reject) => {
      socket.on('error', reject);
      socket.on('data', (chunk: Buffer) => {
        // Response bodies are JSON: "HTTP/1.1 " starts a response and nothing else.
        const text = tail + chunk.toString('latin1');
        const re = /HTTP\/1\.1 (\d{3}) /g;
        let m: RegExpExecArray | null;
        let consumed = 0;
        while ((m = re.exec(text)) !== null) {
          const status = Number(m[1]);
          statuses.set(status, (statuses.get(status) ?? 0) + 1);
          outstanding--;
          consumed = re.lastIndex;
        }
        tail = text.slice(Math.max(consumed, text.length - 16));
        if (outstanding === 0 && next >= total) {
          socket.end();
          resolve();
        } else if (outstanding < window / 2) send();
      });
      send();
    });
  }

  const conns = await Promise.all(Array.from({ length: sockets }, async () => {
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    socket.setNoDelay(true);
    return socket;
  }));
  await Promise.all(conns.map(drive));
  return statuses;
}

type RawSocket = { addEventListener?: (type: string, listener: (e: { data: unknown }) => void) => void };

/**
 * Counts what arrives on the room's socket into `into` (bytes and messages downstream), for the
 * report's per-client bandwidth. The SDK has no hook for raw frames, so this listens on its
 * transport's `ws` (an internal field: if an SDK upgrade renames it, the counts read 0).
 */
export function countBytesIn(room: { connection: { transport: unknown } }, into: { bytes: number; messages: number }): void {
  const ws = (room.connection.transport as unknown as { ws?: RawSocket }).ws;
  ws?.addEventListener?.('message', (e) => {
    into.messages++;
    const data = e.data as ArrayBuffer | Buffer | string;
    into.bytes += typeof data === 'string' ? data.length : data.byteLength;
  });
}

// Colyseus 0.18 reads the global `WebSocket` (Room.ts uses `WebSocket.OPEN`), which
// Node 20 lacks: without it every reconnection fails. Import this module before
// anything that loads @colyseus/*.
import { WebSocket } from 'ws';

globalThis.WebSocket ??= WebSocket as unknown as typeof globalThis.WebSocket;

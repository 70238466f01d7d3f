import '../../server/common/websocket-global';
import type { Room } from '@colyseus/sdk';

/**
 * Resolves once `predicate(room.state)` holds, checking on every state patch
 * (an event, not a timer); rejects with `what` after `timeoutMs`.
 */
export function stateWhere<S>(room: Room<any, S>, predicate: (state: S) => boolean, what: string, timeoutMs = 5000): Promise<S> {
  return new Promise((resolve, reject) => {
    if (room.state && predicate(room.state)) return resolve(room.state);
    const onChange = (state: S) => {
      if (!predicate(state)) return;
      clearTimeout(timer);
      room.onStateChange.remove(onChange);
      resolve(state);
    };
    const timer = setTimeout(() => {
      room.onStateChange.remove(onChange);
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    room.onStateChange(onChange);
  });
}

/** The next message of `type` the room receives. */
export function nextMessage<T = unknown>(room: Room, type: string, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const off = room.onMessage(type, (message: T) => {
      clearTimeout(timer);
      off();
      resolve(message);
    });
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for a "${type}" message`));
    }, timeoutMs);
  });
}

/** Resolves with the close code when the room's connection is lost or left. */
export function connectionLost(room: Room, timeoutMs = 5000): Promise<{ code: number; at: number }> {
  return new Promise((resolve, reject) => {
    const done = (code: number) => {
      clearTimeout(timer);
      resolve({ code, at: performance.now() });
    };
    room.onDrop(done);
    room.onLeave(done);
    const timer = setTimeout(() => reject(new Error(`connection not lost within ${timeoutMs} ms`)), timeoutMs);
  });
}

import { ClientMessages, type InputMessage } from '../../../shared/protocol';

/**
 * The `input` message's check by hand: the same rules as
 * `ClientMessages.input` (shared/protocol.ts), without zod's per-call cost.
 * Every player sends 20 a second, and zod's `safeParse` (a result object, a
 * copy of the message, an issue list) was the largest frame of our own code in
 * a 1000-bot profile (bench/RESULTS.md). A unit test runs both on seeded random
 * messages so they can never disagree; the zod schema stays the declaration.
 * Returns a plain copy of the three fields (as zod does) or null.
 */
export function checkInput(message: unknown): InputMessage | null {
  // zod's object check: any non-null, non-array object, then `for…in` over its keys.
  if (typeof message !== 'object' || message === null || Array.isArray(message)) return null;
  for (const key in message) {
    if (key !== 'seq' && key !== 'dx' && key !== 'dy') return null; // strictObject: no other keys
  }
  const { seq, dx, dy } = message as Record<string, unknown>;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1 || seq > 0xffffffff) return null;
  if (dx !== -1 && dx !== 0 && dx !== 1) return null;
  if (dy !== -1 && dy !== 0 && dy !== 1) return null;
  return { seq, dx, dy };
}

/** Why an input was refused, in zod's words (the slow path: only for a message {@link checkInput} refused). */
export function inputProblem(message: unknown): string {
  const parsed = ClientMessages.input.safeParse(message);
  return parsed.success ? 'invalid' : parsed.error.issues[0]?.message ?? 'invalid';
}

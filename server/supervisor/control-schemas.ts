import { Type, type Static } from 'typebox';
import { FAULTS } from './cluster';
import { SLOW_MS } from './network';

/**
 * The control endpoint's contract (TypeBox: Fastify validates requests and
 * serialises responses with these). Errors are the API's `{code, message,
 * statusCode}` (`ApiError` in shared/api.ts).
 */

export const ProcessInfo = Type.Object({
  id: Type.String({ description: 'node-1, api-2, ..., and redis (the store)' }),
  kind: Type.Enum(['game', 'api', 'redis'] as const),
  port: Type.Integer(),
  pid: Type.Union([Type.Integer(), Type.Null()]),
  state: Type.Enum(['starting', 'alive', 'frozen', 'draining', 'dead'] as const),
  lastExit: Type.Union([Type.String(), Type.Null()], { description: "How it last stopped: 'SIGKILL', 'exit 0', ..." }),
  reason: Type.Optional(Type.Union([Type.String(), Type.Null()], {
    description: 'The store only: null when kill and restart work; otherwise why they are off (the supervisor did not start this Redis)',
  })),
  mode: Type.Optional(Type.Enum(['single', 'ha'] as const, {
    description: 'The store only: one server, or replicated (a primary, a replica and Sentinels; port and pid are the primary\'s, and redis-primary takes kill and restart)',
  })),
  members: Type.Optional(Type.Array(Type.Object({
    id: Type.String(),
    role: Type.Enum(['primary', 'replica', 'sentinel'] as const),
    port: Type.Integer(),
    pid: Type.Union([Type.Integer(), Type.Null()]),
    state: Type.Enum(['alive', 'dead'] as const),
  }), { description: 'The replicated store only: every server and Sentinel' })),
});
export type ProcessInfo = Static<typeof ProcessInfo>;

export const ProcessList = Type.Object({ processes: Type.Array(ProcessInfo) });

// Type.Enum keeps the tuple, so `request.body.fault` is typed as a Fault.
export const FaultBody = Type.Object({
  fault: Type.Enum(FAULTS, {
    description: 'Process faults: kill, freeze, thaw, restart, drain. Network faults (through the fault points): partition (target ↔ store), '
      + 'isolate (game node ↔ store and players), slow (target ↔ store, `ms` each way), heal; redis takes partition and heal (every process ↔ store)',
  }),
  target: Type.String({ minLength: 1, maxLength: 64, description: 'A process id from GET /processes, or redis (redis-primary when the store is replicated)' }),
  ms: Type.Optional(Type.Integer({ minimum: SLOW_MS.min, maximum: SLOW_MS.max, description: 'slow only: latency added each way, ms' })),
});

export const NetworkFaultInfo = Type.Object({
  target: Type.String({ description: 'A process id, or redis (every process cut off from the store)' }),
  kind: Type.Enum(['partition', 'isolate', 'slow'] as const),
  ms: Type.Optional(Type.Integer({ description: 'slow only: latency added each way' })),
  since: Type.Integer({ description: 'Epoch ms when it was injected' }),
});

export const NetworkState = Type.Object({
  fencing: Type.Boolean({ description: 'Whether game nodes fence themselves and results are checked against the epoch' }),
  faults: Type.Array(NetworkFaultInfo, { description: 'Active network faults (heal undoes them)' }),
});

export const FencingBody = Type.Object({ on: Type.Boolean() });

export const FaultDone = Type.Object({
  ok: Type.Literal(true),
  message: Type.String({ description: 'What was done, for a person' }),
  /** Epoch ms when the supervisor received the request. */
  at: Type.Integer(),
});

export const FencingDone = Type.Object({
  ok: Type.Literal(true),
  message: Type.String({ description: 'What was done, naming any game node that did not confirm' }),
  at: Type.Integer(),
  fencing: Type.Boolean(),
});

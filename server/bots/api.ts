import { ErrorCodes, type ErrorCode } from '../../shared/errors';
import { ApiClient, REQUEST_TIMEOUT_MS } from '../../client/src/net/api';

/** One API call as a bot saw it. `at` is epoch ms when it was sent. */
export interface ApiSample {
  at: number;
  route: string;
  ms: number;
  /** HTTP status; 0 when no instance answered at all. */
  status: number;
  /** The API worked: a 2xx, or an answer that is not a failure of the API (see ANSWERS). */
  ok: boolean;
  instance: string | null;
}

// "Not yet, retry" and "that room is gone" are answers from a working API, not failures of it.
const ANSWERS = new Set<ErrorCode>([ErrorCodes.roomRestoring, ErrorCodes.roomLost]);

/**
 * The browser's ApiClient (client/src/net/api.ts), recording every call into
 * `samples` for the bots' and the experiments' reports.
 */
export class BotApi extends ApiClient {
  constructor(urls: readonly string[], readonly samples: ApiSample[] = [], timeoutMs = REQUEST_TIMEOUT_MS) {
    super(urls, timeoutMs);
    this.onCall(({ at, route, ms, status, ok, code, instance }) => {
      samples.push({ at, route, ms, status, ok: ok || (code !== null && ANSWERS.has(code)), instance });
    });
  }
}

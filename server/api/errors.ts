import { ApiError } from '../../shared/api';
import { CodedError, type ErrorCode } from '../../shared/errors';

/**
 * An error the API answers with as `{code, message, statusCode}`; the central
 * handler renders it, with a `Retry-After` header when `retryAfterSeconds` is set.
 */
export class ApiHttpError extends CodedError {
  readonly retryAfterSeconds: number | undefined;

  constructor(readonly statusCode: number, code: ErrorCode, message: string, options: { cause?: unknown; retryAfterSeconds?: number } = {}) {
    super(code, message, options);
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const unauthorized = (code: ErrorCode, message: string, options?: { cause?: unknown }): ApiHttpError =>
  new ApiHttpError(401, code, message, options);

/** Response schemas for a route's error statuses (plus 429/500, which any route may answer). */
export function errorResponses(...statuses: number[]): Record<number, typeof ApiError> {
  const out: Record<number, typeof ApiError> = { 429: ApiError, 500: ApiError };
  for (const status of statuses) out[status] = ApiError;
  return out;
}

import { ApiError } from '../../shared/api';
import { ErrorCodes, type ErrorCode } from '../../shared/errors';

/** An error the API answers with as `{code, message, statusCode}`; the central handler renders it. */
export class ApiHttpError extends Error {
  constructor(readonly statusCode: number, readonly code: ErrorCode, message: string) {
    super(message);
    this.name = 'ApiHttpError';
  }
}

export const unauthorized = (code: ErrorCode, message: string): ApiHttpError => new ApiHttpError(401, code, message);

export const redisUnavailable = (): ApiHttpError =>
  new ApiHttpError(503, ErrorCodes.redisUnavailable, 'Storage is unavailable right now; try again in a moment.');

/** Response schemas for a route's error statuses (plus 429/500, which any route may answer). */
export function errorResponses(...statuses: number[]): Record<number, typeof ApiError> {
  const out: Record<number, typeof ApiError> = { 429: ApiError, 500: ApiError };
  for (const status of statuses) out[status] = ApiError;
  return out;
}

import { ApiError, ApiErrorCodes, type ApiErrorCode } from '../../shared/api';

/** An error the API answers with as `{code, message, statusCode}`; the central handler renders it. */
export class ApiHttpError extends Error {
  constructor(readonly statusCode: number, readonly code: ApiErrorCode, message: string) {
    super(message);
    this.name = 'ApiHttpError';
  }
}

export const unauthorized = (code: ApiErrorCode, message: string): ApiHttpError => new ApiHttpError(401, code, message);

export const redisUnavailable = (): ApiHttpError =>
  new ApiHttpError(503, ApiErrorCodes.redisUnavailable, 'Storage is unavailable right now; try again in a moment.');

/** Response schemas for a route's error statuses (plus 429/500, which any route may answer). */
export function errorResponses(...statuses: number[]): Record<number, typeof ApiError> {
  const out: Record<number, typeof ApiError> = { 429: ApiError, 500: ApiError };
  for (const status of statuses) out[status] = ApiError;
  return out;
}

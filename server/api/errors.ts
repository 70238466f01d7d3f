import { ApiErrorCodes, type ApiErrorCode } from '../../shared/api';

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

/** Error statuses every route may answer with, for the OpenAPI document and response serialisation. */
export const ERROR_STATUSES = [400, 401, 404, 413, 415, 429, 500, 503] as const;

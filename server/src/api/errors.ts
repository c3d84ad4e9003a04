import { ERROR_STATUS, type ErrorBody, type ErrorCode } from '@scrutin/shared/protocol';
import type { NextFunction, Request, Response } from 'express';

/**
 * Every refusal is JSON `{ error: { code, message, details? } }` with a stable,
 * machine-readable code from the protocol's table (`ERROR_STATUS` in @scrutin/shared/protocol,
 * documented in docs/protocol.md) and a message a person can act on. A refused request
 * changes nothing.
 */
export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }
}

export function sendError(res: Response, error: ApiError): void {
  const body = {
    error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) },
  } satisfies ErrorBody;
  res.status(error.status).json(body);
}

interface BodyParserError {
  readonly type?: string;
  readonly status?: number;
  readonly statusCode?: number;
  readonly expose?: boolean;
}

/**
 * Turns body-parser, router and static-file failures into our codes; anything unknown is a
 * 500 with no detail. A client's mistake is never a 500: a missing file, a path that climbs
 * out of its folder (`..%2f`) and a malformed percent-encoding (`/%E0%A4%A`) are 4xx errors
 * (http-errors marks them `expose`), answered as such and not logged as server failures.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  if (typeof error !== 'object' || error === null) return internalError();
  const e = error as BodyParserError;
  switch (e.type) {
    case 'entity.too.large':
      return new ApiError('body-too-large', 'The request body is larger than this server accepts.');
    case 'entity.parse.failed':
      return new ApiError('malformed-json', 'The request body is not valid JSON.');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ApiError('unsupported-media-type', 'The request body must be UTF-8 JSON.');
    case 'request.aborted':
    case 'request.size.invalid':
      return new ApiError('invalid-request', 'The request body was cut short or its length is wrong.');
    case undefined:
    default:
      return clientErrorOf(e) ?? internalError();
  }
}

const internalError = () => new ApiError('internal-error', 'The server failed to handle this request; it changed nothing. Try again.');

/** A 4xx raised by Express's router (a malformed path parameter) or serve-static / send. */
function clientErrorOf(e: BodyParserError): ApiError | undefined {
  const status = e.status ?? e.statusCode;
  if (typeof status !== 'number' || status < 400 || status > 499) return undefined;
  switch (status) {
    case 400:
      return new ApiError('invalid-request', 'The request path is malformed (its percent-encoding is not valid UTF-8).');
    // 403: send refuses a path that climbs out of its folder; answered as missing, like any other unknown file.
    case 403:
    case 404:
      return new ApiError('not-found', 'There is no such resource on this server.');
    default:
      return new ApiError('invalid-request', 'The request cannot be served as sent.');
  }
}

export function errorMiddleware(onInternal: (error: unknown, req: Request) => void) {
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const apiError = toApiError(error);
    if (apiError.code === 'internal-error') onInternal(error, req);
    sendError(res, apiError);
  };
}

/** Refuses a body that is not declared as JSON before anything reads it. */
export function requireJson(req: Request, _res: Response, next: NextFunction): void {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE') {
    next();
    return;
  }
  if (!req.is('application/json')) {
    next(new ApiError('unsupported-media-type', 'Send the request body as application/json.'));
    return;
  }
  next();
}

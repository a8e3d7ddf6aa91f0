// One error base class that carries its HTTP status. Services throw these and never touch `res`;
// each OpenStack service renders them in its own shape (Keystone `error`, Nova `itemNotFound`, Glance).
import { STATUS_CODES } from 'node:http';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadRequestError extends ApiError {
  constructor(message: string) { super(400, message); }
}
export class UnauthorizedError extends ApiError {
  constructor(message = 'The request you have made requires authentication.') { super(401, message); }
}
export class ForbiddenError extends ApiError {
  constructor(message = 'You are not authorized to perform the requested action.') { super(403, message); }
}
export class NotFoundError extends ApiError {
  constructor(message: string) { super(404, message); }
}
export class MethodNotAllowedError extends ApiError {
  constructor(message = 'The method is not allowed for the requested URL.') { super(405, message); }
}
export class NotAcceptableError extends ApiError {
  constructor(message: string) { super(406, message); }
}
export class ConflictError extends ApiError {
  constructor(message: string) { super(409, message); }
}
export class PayloadTooLargeError extends ApiError {
  constructor(message: string) { super(413, message); }
}
export class UnsupportedMediaTypeError extends ApiError {
  constructor(message: string) { super(415, message); }
}
export class NotImplementedError extends ApiError {
  constructor(message: string) { super(501, message); }
}

/**
 * The reason phrases OpenStack's WSGI stacks (webob) put in error titles; Node's own table differs for
 * a few codes (413 "Payload Too Large", 416 "Range Not Satisfiable").
 */
const WEBOB_TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  416: 'Requested Range Not Satisfiable',
  500: 'Internal Server Error',
  501: 'Not Implemented',
};

export function statusTitle(status: number): string {
  return WEBOB_TITLES[status] ?? STATUS_CODES[status] ?? 'Error';
}

/** Maps errors thrown by express' body parser and by PostgreSQL to ApiErrors; anything else stays a 500. */
export function toApiError(err: unknown): ApiError | undefined {
  if (err instanceof ApiError) return err;
  const e = err as { type?: string; status?: number; code?: string; message?: string };
  if (e?.type === 'entity.parse.failed') return new BadRequestError('Malformed request body: the body is not valid JSON.');
  if (e?.type === 'entity.too.large') return new PayloadTooLargeError('Request body is too large.');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new UnsupportedMediaTypeError(e.message ?? 'Unsupported encoding.');
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) return new ApiError(e.status, e.message ?? 'Bad request');
  return undefined;
}

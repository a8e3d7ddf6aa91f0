// Keystone's error shape: {"error": {"code", "message", "title"}}, and WWW-Authenticate on a 401
// (keystone/exception.py and keystone/server/flask/application.py).
import type { Request, Response } from 'express';
import { STATUS_CODES } from 'node:http';
import type { ApiError } from '../http/errors.js';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Request Entity Too Large',
  415: 'Unsupported Media Type',
  500: 'Internal Server Error',
  501: 'Not Implemented',
};

export function identityErrorRenderer(identityBase: string) {
  return (err: ApiError, req: Request, res: Response): void => {
    for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
    if (err.status === 401) res.setHeader('WWW-Authenticate', `Keystone uri="${identityBase}/v3"`);
    res.setHeader('Vary', 'X-Auth-Token');
    res.status(err.status).json({
      error: { code: err.status, message: err.message, title: TITLES[err.status] ?? STATUS_CODES[err.status] ?? 'Error' },
    });
  };
}

// Keystone's error shape: {"error": {"code", "message", "title"}}, and WWW-Authenticate on a 401
// (keystone/exception.py and keystone/server/flask/application.py).
import type { Request, Response } from 'express';
import { statusTitle, type ApiError } from '../http/errors.js';

export function identityErrorRenderer(identityBase: string) {
  return (err: ApiError, req: Request, res: Response): void => {
    for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
    if (err.status === 401) res.setHeader('WWW-Authenticate', `Keystone uri="${identityBase}/v3"`);
    res.setHeader('Vary', 'X-Auth-Token');
    res.status(err.status).json({
      error: { code: err.status, message: err.message, title: statusTitle(err.status) },
    });
  };
}

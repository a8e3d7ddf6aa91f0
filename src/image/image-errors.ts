// Glance's error shape. Glance's errors are webob exceptions rendered as JSON (glance/common/wsgi.py,
// JSONErrorRouter-style faults): {"message": "<text><br /><br />\n\n\n", "code": "404 Not Found",
// "title": "Not Found"} — recorded from real Glance in shared/openstack-samples/glance-09/10/11.
import type { Request, Response } from 'express';
import { ApiError, statusTitle } from '../http/errors.js';

// webob's own text for a 401, which Glance sends unchanged.
const UNAUTHORIZED =
  'This server could not verify that you are authorized to access the document you requested. Either you supplied the wrong credentials (e.g., bad password), or your browser does not understand how to supply the credentials required.';

export class GoneError extends ApiError {
  constructor(message: string) { super(410, message); }
}
export class RangeNotSatisfiableError extends ApiError {
  constructor(message: string, size: number) { super(416, message, { 'Content-Range': `bytes */${size}` }); }
}

export function glanceErrorRenderer(identityBase: string) {
  return (err: ApiError, _req: Request, res: Response): void => {
    if (res.headersSent) {
      // A download that failed half way: nothing can be said any more but to cut the connection.
      res.destroy();
      return;
    }
    for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
    const title = statusTitle(err.status);
    let message = err.message;
    if (err.status === 401) {
      res.setHeader('WWW-Authenticate', `Keystone uri="${identityBase}"`);
      message = UNAUTHORIZED;
    }
    res.status(err.status).json({ message: `${message}<br /><br />\n\n\n`, code: `${err.status} ${title}`, title });
  };
}

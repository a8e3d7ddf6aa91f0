// Nova's fault body: {"<name>": {"code", "message"}} (nova/api/openstack/wsgi.py Fault), with the
// microversion headers on every response, errors included.
import type { Request, Response } from 'express';
import type { ApiError } from '../http/errors.js';

const FAULT_NAMES: Record<number, string> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  429: 'overLimit',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

export function computeErrorRenderer(err: ApiError, _req: Request, res: Response): void {
  for (const [k, v] of Object.entries(err.headers)) res.setHeader(k, v);
  const name = FAULT_NAMES[err.status] ?? 'computeFault';
  res.status(err.status).json({ [name]: { code: err.status, message: err.message } });
}

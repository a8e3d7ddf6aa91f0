// Per-request context: the request id every response and every log line of the request carries.
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';

export interface RequestContext {
  requestId: string;
  log: Logger;
  startedAt: bigint;
}

declare module 'express-serve-static-core' {
  interface Locals {
    ctx: RequestContext;
  }
}

export function requestContext(log: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const requestId = `req-${randomUUID()}`;
    const reqLog = log.child({ request_id: requestId });
    res.locals.ctx = { requestId, log: reqLog, startedAt: process.hrtime.bigint() };
    res.setHeader('x-openstack-request-id', requestId);
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - res.locals.ctx.startedAt) / 1e6;
      reqLog.info({ method: req.method, url: req.originalUrl, status: res.statusCode, ms: Math.round(ms * 100) / 100 }, 'request');
    });
    next();
  };
}

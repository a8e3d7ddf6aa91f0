// Runs before Nova's router: negotiates the microversion and echoes it, with Vary, on every response
// (errors included), and adds x-compute-request-id (nova/api/openstack/wsgi.py, compute_req_id.py).
import type { NextFunction, Request, Response } from 'express';
import { ApiError } from '../http/errors.js';
import { negotiateVersion, type ApiVersion } from './api-version.js';
import { computeErrorRenderer } from './compute-errors.js';

declare module 'express-serve-static-core' {
  interface Locals {
    computeVersion: ApiVersion;
    /** Set for requests to /compute/v2 (the legacy API). */
    legacyV2?: boolean;
  }
}

export function computeVersioning(req: Request, res: Response, next: NextFunction): void {
  res.setHeader('x-compute-request-id', res.locals.ctx.requestId);
  res.setHeader('Vary', 'OpenStack-API-Version, X-OpenStack-Nova-API-Version');
  let version: ApiVersion;
  try {
    version = negotiateVersion(req.headers);
  } catch (err) {
    // Nova echoes what was asked for, even when it refuses it.
    const asked = /compute\s+(\S+)/i.exec(String(req.headers['openstack-api-version'] ?? ''))?.[1] ?? String(req.headers['x-openstack-nova-api-version'] ?? '');
    res.setHeader('OpenStack-API-Version', `compute ${asked}`);
    res.setHeader('X-OpenStack-Nova-API-Version', asked);
    computeErrorRenderer(err as ApiError, req, res);
    return;
  }
  res.locals.computeVersion = version;
  res.setHeader('OpenStack-API-Version', `compute ${version}`);
  res.setHeader('X-OpenStack-Nova-API-Version', String(version));
  next();
}

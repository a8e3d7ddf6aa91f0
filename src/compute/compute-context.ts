// What a Nova handler knows about its request: the caller, the microversion, the request id.
import type { Response } from 'express';
import { BadRequestError, ForbiddenError } from '../http/errors.js';
import type { ApiRequest } from '../http/openapi-router.js';
import { isAdmin, type AuthContext } from '../identity/auth-context.js';
import type { ApiVersion } from './api-version.js';

export interface ComputeContext {
  auth: AuthContext;
  version: ApiVersion;
  requestId: string;
  isAdmin: boolean;
  /** The project the caller acts in (its token's project). */
  projectId: string;
}

export type ComputeRequest = ApiRequest<AuthContext>;

export function computeContext(req: ComputeRequest, res: Response): ComputeContext {
  const projectId = req.auth.projectId;
  // Nova's APIs act within a project; a domain- or system-scoped token of an admin acts as admin.
  if (!projectId && !isAdmin(req.auth)) throw new ForbiddenError('A project-scoped token is required.');
  return { auth: req.auth, version: res.locals.computeVersion, requestId: res.locals.ctx.requestId, isAdmin: isAdmin(req.auth), projectId: projectId ?? '' };
}

/** Nova's PolicyNotAuthorized for `rule`, e.g. os_compute_api:os-quota-sets:update. */
export function policyDenied(rule: string): ForbiddenError {
  return new ForbiddenError(`Policy doesn't allow ${rule} to be performed.`);
}

export function requireAdmin(ctx: ComputeContext, rule: string): void {
  if (!ctx.isAdmin) throw policyDenied(rule);
}

/** Nova's integer parsing for query and body values that may arrive as strings. */
export function parseNonNegativeInt(value: unknown, field: string, opts: { min?: number; max?: number } = {}): number {
  const min = opts.min ?? 0;
  const max = opts.max ?? 2147483647;
  const s = typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
  if (!/^-?\d+$/.test(s)) throw new BadRequestError(`Invalid input for field/attribute ${field}. Value: ${String(value)}. '${String(value)}' is not of type 'integer'`);
  const n = Number(s);
  if (n < min) throw new BadRequestError(`Invalid input for field/attribute ${field}. Value: ${n}. ${n} is less than the minimum of ${min}`);
  if (n > max) throw new BadRequestError(`Invalid input for field/attribute ${field}. Value: ${n}. ${n} is greater than the maximum of ${max}`);
  return n;
}

// Routes and validates a service's requests from its OpenAPI 3.1 document (api-specs/*.yaml).
// Handlers are keyed by operationId; operations with `security: []` need no token.
import { readFileSync } from 'node:fs';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { OpenAPIBackend, type Document, type ValidationResult } from 'openapi-backend';
import YAML from 'yaml';
import { ApiError, BadRequestError, MethodNotAllowedError, NotFoundError, toApiError } from './errors.js';
import type { RequestContext } from './request-context.js';

export interface ApiRequest<Auth> {
  operationId: string;
  params: Record<string, string>;
  query: Record<string, string | string[] | undefined>;
  body: any;
  headers: Request['headers'];
  ctx: RequestContext;
  /** Present on every operation that is not public. */
  auth: Auth;
  raw: Request;
}

export type Handler<Auth> = (req: ApiRequest<Auth>, res: Response) => Promise<void> | void;

export interface ServiceRouterOptions<Auth> {
  specFile: string;
  handlers: Record<string, Handler<Auth>>;
  /** Renders an error in the service's own OpenStack shape. */
  renderError: (err: ApiError, req: Request, res: Response) => void;
  /** Resolves the caller of a protected operation; throws UnauthorizedError. */
  authenticate: (req: Request) => Promise<Auth>;
  /** Body parsers by media type; JSON by default. */
  jsonTypes?: string[];
  bodyLimit?: string;
}

export function loadSpec(file: string): Document {
  return YAML.parse(readFileSync(file, 'utf8')) as Document;
}

/** Turns ajv's errors into one readable sentence, naming the field as OpenStack services do. */
export function describeValidationErrors(errors: NonNullable<ValidationResult['errors']>): string {
  const first = errors.find((e) => e.keyword !== 'if') ?? errors[0];
  if (!first) return 'Invalid request.';
  const path = first.instancePath.replace(/^\/(requestBody|query|path|headers)/, '').split('/').filter(Boolean).join('.');
  const where = first.instancePath.split('/')[1];
  const field = path ? `'${path}'` : where === 'requestBody' ? 'the request body' : 'the request';
  switch (first.keyword) {
    case 'required':
      return `'${(first.params as { missingProperty: string }).missingProperty}' is a required property${path ? ` of ${field}` : ''}.`;
    case 'additionalProperties':
      return `Additional properties are not allowed ('${(first.params as { additionalProperty: string }).additionalProperty}' was unexpected) in ${field}.`;
    case 'type':
      return `Invalid input for field ${field}: must be of type ${(first.params as { type: string }).type}.`;
    case 'minLength':
      return `Invalid input for field ${field}: it is too short (at least ${(first.params as { limit: number }).limit} characters).`;
    case 'maxLength':
      return `Invalid input for field ${field}: it is too long (at most ${(first.params as { limit: number }).limit} characters).`;
    case 'enum':
      return `Invalid input for field ${field}: must be one of ${JSON.stringify((first.params as { allowedValues: unknown[] }).allowedValues)}.`;
    default:
      return `Invalid input for field ${field}: ${first.message ?? 'invalid'}.`;
  }
}

interface Operation {
  operationId: string;
  path: string;
  method: string;
  security?: Record<string, string[]>[];
}

/**
 * The matcher of a service's operations, compiled once. openapi-backend flattens the whole document
 * and builds a RegExp per path template on every request; with ~150 operations that was most of a
 * request's CPU. Matching keeps its rules (exact path first, then templates by specificity, path
 * parameters URI-decoded) and leaves the 404/405 decision to its own code.
 */
function compileRoutes(api: OpenAPIBackend): (method: string, path: string) => { operation: Operation; params: Record<string, string> } {
  const router = api.router as any;
  const operations: Operation[] = router.getOperations();
  router.getOperations = () => operations;
  const toPattern = (path: string) => `^${path.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('([^/]+)')}$`;
  const exact = new Map(operations.filter((op) => !op.path.includes('{')).map((op) => [`${op.method} ${op.path}`, op]));
  const templates = operations
    .filter((op) => op.path.includes('{'))
    .map((op) => ({ op, re: new RegExp(toPattern(op.path)), names: [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]), specificity: op.path.replace(/\{.*?\}/g, '').length }))
    .sort((a, b) => b.specificity - a.specificity);
  return (method, rawPath) => {
    const m = method.toLowerCase();
    if (router.isUnderApiRoot(rawPath)) {
      const path: string = router.normalizePath(rawPath);
      const op = exact.get(`${m} ${path}`);
      if (op) return { operation: op, params: {} };
      for (const t of templates) {
        const found = t.op.method === m ? t.re.exec(path) : null;
        if (!found) continue;
        const params: Record<string, string> = {};
        try {
          t.names.forEach((name, i) => (params[name] = decodeURIComponent(found[i + 1])));
        } catch {
          throw new NotFoundError('The resource could not be found.'); // a malformed %-escape names nothing
        }
        return { operation: t.op, params };
      }
    }
    try {
      router.matchOperation({ method, path: rawPath }, true);
    } catch (err) {
      if (err instanceof Error && err.message.startsWith('405')) throw new MethodNotAllowedError();
    }
    throw new NotFoundError('The resource could not be found.');
  };
}

export async function createServiceRouter<Auth>(opts: ServiceRouterOptions<Auth>): Promise<Router> {
  const api = new OpenAPIBackend({
    definition: loadSpec(opts.specFile),
    // quick: openapi-backend checks documents against the OpenAPI 3.0 schema only, which rejects 3.1's
    // type arrays; quick mode skips that check (test/http/api-specs.test.ts checks the specs instead).
    strict: true,
    quick: true,
    ignoreTrailingSlashes: true,
    validate: true,
    // Path and query values arrive as strings and are coerced; bodies are not (a number is not a name).
    coerceTypes: true,
    ajvOpts: { allErrors: false },
    customizeAjv: (ajv: any) => {
      ajv.addFormat('uuid-or-hex', /^[0-9a-fA-F-]{1,64}$/);
      return ajv;
    },
  });

  // Registered so that init() checks every handler against an operation of the document; requests
  // are dispatched below, not by openapi-backend's handleRequest.
  api.register(Object.fromEntries(Object.keys(opts.handlers).map((id) => [id, () => undefined])));
  await api.init();
  const match = compileRoutes(api);

  const router = express.Router();
  const jsonTypes = opts.jsonTypes ?? ['application/json'];
  router.use(express.json({ type: jsonTypes, limit: opts.bodyLimit ?? '1mb', strict: false }));
  router.use(async (req: Request, res: Response) => {
    // Clients use both `/v3/users` and `/v3/users/`: route them alike.
    const path = req.path.length > 1 ? req.path.replace(/\/+$/, '') : req.path;
    const { operation, params } = match(req.method, path);
    const handler = opts.handlers[operation.operationId];
    if (!handler) throw new ApiError(501, `${operation.operationId} is not implemented.`);
    // The token first, then the request's shape, as Keystone answers 401 before it looks at the body.
    // An operation is public when its security requirements are `[]` (or include an empty one).
    const security = operation.security ?? [];
    const isPublic = security.length === 0 || security.some((requirement) => Object.keys(requirement).length === 0);
    const auth = isPublic ? undefined : await opts.authenticate(req);
    const validation = api.validator.validateRequest(
      { method: req.method, path, body: req.body, query: req.query as Record<string, string>, headers: req.headers as Record<string, string> },
      operation as any,
    );
    // OpenStack services ignore query parameters they do not know (filters of other versions, client
    // extras); openapi-backend refuses them, so those errors alone do not fail a request.
    const errors = (validation.errors ?? []).filter((e) => !(e.keyword === 'additionalProperties' && e.instancePath === '/query'));
    if (errors.length > 0) throw new BadRequestError(describeValidationErrors(errors));
    await handler(
      {
        operationId: operation.operationId,
        params,
        query: req.query as Record<string, string | string[] | undefined>,
        body: req.body,
        headers: req.headers,
        ctx: res.locals.ctx,
        auth: auth as Auth,
        raw: req,
      },
      res,
    );
  });
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const apiError = toApiError(err);
    if (apiError) {
      if (apiError.status >= 500) res.locals.ctx?.log.error({ err }, 'request failed');
      opts.renderError(apiError, req, res);
      return;
    }
    res.locals.ctx?.log.error({ err }, 'unexpected error');
    opts.renderError(new ApiError(500, 'An unexpected error prevented the server from fulfilling your request.'), req, res);
  });
  return router;
}

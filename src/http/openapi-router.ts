// Routes and validates a service's requests from its OpenAPI 3.1 document (api-specs/*.yaml).
// Handlers are keyed by operationId; operations with `security: []` need no token.
import { readFileSync } from 'node:fs';
import express, { type NextFunction, type Request, type Response, type Router } from 'express';
import { OpenAPIBackend, type Context, type Document } from 'openapi-backend';
import YAML from 'yaml';
import { ApiError, BadRequestError, MethodNotAllowedError, NotFoundError, UnauthorizedError, toApiError } from './errors.js';
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
export function describeValidationErrors(c: Context): string {
  const errors = c.validation.errors ?? [];
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

/**
 * openapi-backend flattens the whole document and builds a RegExp per path template on every request
 * (twice); with ~150 operations that is most of a request's CPU. The operations never change after
 * init, so they are flattened and compiled once; matching keeps openapi-backend's rules (exact path
 * first, then templates by specificity) and falls back to its own code for the 404/405 answers.
 */
function precompileRoutes(api: OpenAPIBackend): void {
  const router = api.router as any;
  const operations = router.getOperations();
  router.getOperations = () => operations;
  const toPattern = (path: string) => `^${path.split(/\{[^}]+\}/).map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('[^/]+')}$`;
  const templates = operations
    .map((op: { path: string; method: string }) => ({ op, re: new RegExp(toPattern(op.path)), specificity: op.path.replace(/\{.*?\}/g, '').length }))
    .sort((a: { specificity: number }, b: { specificity: number }) => b.specificity - a.specificity);
  const fallback = router.matchOperation.bind(router);
  router.matchOperation = (req: unknown, strict?: boolean) => {
    const normal = router.normalizeRequest(req);
    if (!router.isUnderApiRoot(normal.path)) return fallback(req, strict);
    const path = router.normalizePath(normal.path);
    const exact = operations.find((op: { path: string; method: string }) => op.path === path && op.method === normal.method);
    if (exact) return exact;
    const found = templates.find((t: { re: RegExp; op: { method: string } }) => t.op.method === normal.method && t.re.test(path));
    return found ? found.op : fallback(req, strict);
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

  const operationHandlers: Record<string, (c: Context, req: Request, res: Response) => Promise<void>> = {};
  for (const [operationId, handler] of Object.entries(opts.handlers)) {
    operationHandlers[operationId] = async (c, req, res) => {
      // Set by the `token` security handler below for every operation that is not public.
      const auth = c.security?.token as Auth;
      await handler(
        {
          operationId,
          params: c.request.params as Record<string, string>,
          query: req.query as Record<string, string | string[] | undefined>,
          body: req.body,
          headers: req.headers,
          ctx: res.locals.ctx,
          auth,
          raw: req,
        },
        res,
      );
    };
  }
  api.register(operationHandlers);
  // openapi-backend checks the spec's security requirements before validation, as Keystone answers
  // 401 before it looks at the body. A rejected handler leaves its error in c.security.token.error.
  api.registerSecurityHandler('token', (c: Context, req: Request) => opts.authenticate(req));
  api.register({
    unauthorizedHandler: async (c: Context) => {
      throw (c.security?.token as { error?: unknown } | undefined)?.error ?? new UnauthorizedError();
    },
    validationFail: async (c: Context, req: Request, res: Response) => {
      // OpenStack services ignore query parameters they do not know (filters of other versions,
      // client extras); openapi-backend refuses them, so those errors alone do not fail a request.
      const errors = (c.validation.errors ?? []).filter((e) => !(e.keyword === 'additionalProperties' && e.instancePath === '/query'));
      if (errors.length === 0 && c.operation.operationId && operationHandlers[c.operation.operationId]) {
        await operationHandlers[c.operation.operationId](c, req, res);
        return;
      }
      c.validation.errors = errors;
      throw new BadRequestError(describeValidationErrors(c));
    },
    notFound: async (c: Context) => {
      throw new NotFoundError(`The resource could not be found.`);
    },
    methodNotAllowed: async () => {
      throw new MethodNotAllowedError();
    },
    notImplemented: async (c: Context) => {
      throw new ApiError(501, `${c.operation.operationId} is not implemented.`);
    },
  });
  await api.init();
  precompileRoutes(api);

  const router = express.Router();
  const jsonTypes = opts.jsonTypes ?? ['application/json'];
  router.use(express.json({ type: jsonTypes, limit: opts.bodyLimit ?? '1mb', strict: false }));
  router.use(async (req: Request, res: Response) => {
    // Clients use both `/v3/users` and `/v3/users/`: route them alike.
    const path = req.path.length > 1 ? req.path.replace(/\/+$/, '') : req.path;
    await api.handleRequest(
      { method: req.method, path, body: req.body, query: req.query as Record<string, string>, headers: req.headers as Record<string, string> },
      req,
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

// A small HTTP client for tests: real requests to a real server, no mocking.
export interface HttpResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent as is (for malformed-body tests). */
  rawBody?: string;
  headers?: Record<string, string>;
}

export async function http<T = any>(method: string, url: string, opts: RequestOptions = {}): Promise<HttpResponse<T>> {
  const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
  if (opts.token) headers['X-Auth-Token'] = opts.token;
  let body: string | undefined;
  if (opts.rawBody !== undefined) body = opts.rawBody;
  else if (opts.body !== undefined) body = JSON.stringify(opts.body);
  if (body !== undefined && !headers['Content-Type']) headers['Content-Type'] = 'application/json';
  const res = await fetch(url, { method, headers, body });
  const text = await res.text();
  let parsed: any = undefined;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

export function passwordAuth(user: { name?: string; id?: string; password: string; domain?: string }, scope?: unknown) {
  const u: Record<string, unknown> = { password: user.password };
  if (user.id) u.id = user.id;
  else {
    u.name = user.name;
    u.domain = { name: user.domain ?? 'Default' };
  }
  const auth: Record<string, unknown> = { identity: { methods: ['password'], password: { user: u } } };
  if (scope !== undefined) auth.scope = scope;
  return { auth };
}

export function projectScope(name: string, domain = 'Default') {
  return { project: { name, domain: { name: domain } } };
}

/** Issues a token and returns its id and body. */
export async function issueToken(authUrl: string, body: unknown): Promise<{ id: string; body: any; status: number }> {
  const res = await http('POST', `${authUrl}/auth/tokens`, { body });
  return { id: res.headers.get('x-subject-token') ?? '', body: res.body, status: res.status };
}

// The express app: one port, one path prefix per OpenStack service (/identity, later /compute and /image).
import express, { type Router } from 'express';
import type { Logger } from 'pino';
import { requestContext } from './http/request-context.js';

export interface MountedService {
  prefix: string;
  router: Router;
}

export function createApp(log: Logger, services: MountedService[]): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.disable('etag');
  app.set('query parser', 'extended');
  app.use(requestContext(log));
  for (const s of services) app.use(s.prefix, s.router);
  // Outside every service: a plain 404 that names what is served.
  app.use((req, res) => {
    res.status(404).json({ error: { code: 404, title: 'Not Found', message: `No service is served at ${req.path}. Served: ${services.map((s) => s.prefix).join(', ')}.` } });
  });
  return app;
}

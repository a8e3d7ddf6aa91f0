// Composes Glance: repositories → services → handlers → router. Called once, from main.ts.
import { join } from 'node:path';
import express, { type Router } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { NotFoundError } from '../http/errors.js';
import { createServiceRouter } from '../http/openapi-router.js';
import type { AuthContext } from '../identity/auth-context.js';
import { ImageDataService } from './image-data-service.js';
import { glanceErrorRenderer } from './image-errors.js';
import { createImageHandlers } from './image-handlers.js';
import { ImageQuotas } from './image-quotas.js';
import { ImageService, PATCH_V20, PATCH_V21 } from './image-service.js';
import { ImageStore } from './image-store.js';
import { ImageViews } from './image-views.js';
import { MemberService } from './member-service.js';
import { MetadefService } from './metadef-service.js';
import { ImageRepository } from './repositories/image-repository.js';
import { MemberRepository } from './repositories/member-repository.js';
import { MetadefRepository } from './repositories/metadef-repository.js';
import { UrlGuard } from './url-guard.js';
import { ComputeImageGateway } from './compute-image-gateway.js';
import type { ImageGateway } from '../compute/image-gateway.js';

export interface ImageModule {
  router: Router;
  /** What Nova uses of Glance: image lookup, data, snapshots (src/compute/image-gateway.ts). */
  computeImages: ImageGateway;
  /** Stops the periodic recovery, waits for imports running in this process, stops the hash workers. */
  stop(): Promise<void>;
}

const RECOVERY_INTERVAL_MS = 15_000;

export async function createImageModule(opts: {
  db: Database;
  config: Config;
  tokens: { validate(token: string | undefined): Promise<AuthContext> };
  specDir: string;
  log: Logger;
}): Promise<ImageModule> {
  const { db, config, tokens, log } = opts;
  const imageRepo = new ImageRepository(db);
  const memberRepo = new MemberRepository(db);
  const store = new ImageStore(config.dataDir);
  const quotas = new ImageQuotas(imageRepo, {
    count: config.imageQuotaCount, bytes: config.imageQuotaBytes, staged: config.imageQuotaStagedBytes, imageSize: config.imageSizeLimit,
  });
  const images = new ImageService(imageRepo, memberRepo, quotas, store);
  const data = new ImageDataService(imageRepo, images, store, quotas, new UrlGuard(config.webDownloadAllow), log.child({ service: 'image' }));
  const views = new ImageViews(`${config.publicUrl}/image`);
  const renderError = glanceErrorRenderer(`${config.publicUrl}/identity`);

  const api = await createServiceRouter<AuthContext>({
    specFile: join(opts.specDir, 'image-v2.yaml'),
    handlers: createImageHandlers({ images, data, members: new MemberService(images, memberRepo), metadefs: new MetadefService(new MetadefRepository(db)), quotas, views }),
    renderError,
    authenticate: (req) => tokens.validate(req.header('x-auth-token')),
    jsonTypes: ['application/json', PATCH_V21, PATCH_V20],
  });

  const router = express.Router();
  // Glance's routes have no trailing slash: /v2/images/ is not /v2/images (tempest's
  // test_get_image_null_id and test_delete_image_null_id rely on the 404).
  router.use((req, res, next) => {
    if (req.path.length > 1 && req.path.endsWith('/') && req.path !== '/v2/') {
      renderError(new NotFoundError('The resource could not be found.'), req, res);
      return;
    }
    // /v2 itself answers like the root, as Glance's version negotiation does.
    if (req.path === '/v2/' || req.path === '/v2') req.url = '/' + req.url.slice(req.path.length);
    next();
  });
  router.use(api);

  // Uploads whose process died are put back in order at start, then periodically (several processes may share the database).
  await data.recover();
  const timer = setInterval(() => data.recover().catch((err) => log.warn({ err }, 'image upload recovery failed')), RECOVERY_INTERVAL_MS);
  timer.unref();
  return {
    router,
    computeImages: new ComputeImageGateway(images, data, imageRepo, store),
    async stop() {
      clearInterval(timer);
      await data.drain();
      await store.close();
    },
  };
}

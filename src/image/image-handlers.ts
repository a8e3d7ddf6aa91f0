// Glance v2 handlers, keyed by the operationIds of api-specs/image-v2.yaml. They stay thin: call a
// service, render with ImageViews, set Glance's status codes and headers.
import type { Response } from 'express';
import { pipeline } from 'node:stream/promises';
import { NotFoundError } from '../http/errors.js';
import type { ApiRequest, Handler } from '../http/openapi-router.js';
import type { AuthContext } from '../identity/auth-context.js';
import type { ImageDataService } from './image-data-service.js';
import type { ImageQuotas } from './image-quotas.js';
import { SCHEMAS } from './image-schemas.js';
import type { ImageService } from './image-service.js';
import { IMPORT_METHODS, type ImageViews } from './image-views.js';
import type { MemberService } from './member-service.js';
import type { MetadefService } from './metadef-service.js';

export interface ImageHandlerDeps {
  images: ImageService;
  data: ImageDataService;
  members: MemberService;
  metadefs: MetadefService;
  quotas: ImageQuotas;
  views: ImageViews;
}

type Req = ApiRequest<AuthContext>;

const p = (req: Req, name: string): string => req.params[name];

export function createImageHandlers(d: ImageHandlerDeps): Record<string, Handler<AuthContext>> {
  const v = d.views;
  const json = (res: Response, status: number, body: unknown): void => {
    res.status(status).json(body);
  };
  const noContent = (res: Response): void => {
    res.status(204).end();
  };

  return {
    // Versions (glance/api/versions.py): 300 at the root, 200 at /versions.
    listVersionsRoot: async (_req, res) => json(res, 300, v.versions()),
    listVersions: async (_req, res) => json(res, 200, v.versions()),

    // Images
    listImages: async (req, res) => {
      const page = await d.images.list(req.auth, req.query);
      json(res, 200, v.images(page.images, page.first, page.next));
    },
    createImage: async (req, res) => {
      const image = await d.images.create(req.auth, req.body);
      res.setHeader('Location', v.location(image.id));
      res.setHeader('OpenStack-image-import-methods', IMPORT_METHODS.join(','));
      json(res, 201, v.image(image));
    },
    showImage: async (req, res) => json(res, 200, v.image(await d.images.get(req.auth, p(req, 'image_id')))),
    updateImage: async (req, res) => {
      json(res, 200, v.image(await d.images.update(req.auth, p(req, 'image_id'), req.headers['content-type'], req.body)));
    },
    deleteImage: async (req, res) => {
      await d.images.delete(req.auth, p(req, 'image_id'));
      noContent(res);
    },
    uploadImageData: async (req, res) => {
      await d.data.upload(req.auth, p(req, 'image_id'), req.headers['content-type'], req.headers['content-length'], req.raw);
      noContent(res);
    },
    stageImageData: async (req, res) => {
      await d.data.stage(req.auth, p(req, 'image_id'), req.headers['content-type'], req.headers['content-length'], req.raw);
      noContent(res);
    },
    importImage: async (req, res) => {
      await d.data.import(req.auth, p(req, 'image_id'), req.body);
      res.status(202).end();
    },
    downloadImageData: async (req, res) => {
      const dl = await d.data.download(req.auth, p(req, 'image_id'), req.headers.range);
      if (dl.status === 204 || !dl.stream) {
        noContent(res);
        return;
      }
      res.status(dl.status);
      for (const [k, val] of Object.entries(dl.headers)) res.setHeader(k, val);
      try {
        await pipeline(dl.stream, res);
      } catch (err) {
        // The client went away, or the file could not be read: the status line is gone already.
        req.ctx.log.debug({ err }, 'image download ended early');
      }
    },
    deactivateImage: async (req, res) => {
      await d.images.deactivate(req.auth, p(req, 'image_id'));
      noContent(res);
    },
    reactivateImage: async (req, res) => {
      await d.images.reactivate(req.auth, p(req, 'image_id'));
      noContent(res);
    },
    addImageTag: async (req, res) => {
      await d.images.addTag(req.auth, p(req, 'image_id'), p(req, 'tag'));
      noContent(res);
    },
    deleteImageTag: async (req, res) => {
      await d.images.deleteTag(req.auth, p(req, 'image_id'), p(req, 'tag'));
      noContent(res);
    },

    // Members
    listImageMembers: async (req, res) => json(res, 200, v.members(await d.members.list(req.auth, p(req, 'image_id')))),
    createImageMember: async (req, res) => json(res, 200, v.member(await d.members.create(req.auth, p(req, 'image_id'), req.body))),
    showImageMember: async (req, res) => json(res, 200, v.member(await d.members.show(req.auth, p(req, 'image_id'), p(req, 'member_id')))),
    updateImageMember: async (req, res) => json(res, 200, v.member(await d.members.update(req.auth, p(req, 'image_id'), p(req, 'member_id'), req.body))),
    deleteImageMember: async (req, res) => {
      await d.members.delete(req.auth, p(req, 'image_id'), p(req, 'member_id'));
      noContent(res);
    },

    // Discovery
    showImportInfo: async (_req, res) => json(res, 200, v.importInfo()),
    showStoresInfo: async (_req, res) => json(res, 200, v.stores()),
    showUsageInfo: async (req, res) => {
      json(res, 200, v.usage(await d.quotas.usage(req.auth.projectId ?? null), d.quotas.limits));
    },

    // Schemas
    showSchema: async (req, res) => {
      const schema = SCHEMAS[p(req, 'schema')];
      if (!schema) throw new NotFoundError(`Schema ${p(req, 'schema')} was not found.`);
      json(res, 200, schema());
    },
    showMetadefSchema: async (req, res) => {
      const schema = SCHEMAS[`metadefs/${p(req, 'schema')}`];
      if (!schema) throw new NotFoundError(`Schema metadefs/${p(req, 'schema')} was not found.`);
      json(res, 200, schema());
    },

    // Metadata definitions
    listMetadefNamespaces: async (req, res) => {
      const rows = await d.metadefs.listNamespaces(req.auth, req.query);
      json(res, 200, v.namespaces(rows.map((r) => v.namespace(r.ns, { associations: r.associations }))));
    },
    createMetadefNamespace: async (req, res) => {
      const r = await d.metadefs.createNamespace(req.auth, req.body);
      json(res, 201, v.namespace(r.ns, r));
    },
    showMetadefNamespace: async (req, res) => {
      const r = await d.metadefs.showNamespace(req.auth, p(req, 'namespace'));
      json(res, 200, v.namespace(r.ns, r));
    },
    updateMetadefNamespace: async (req, res) => {
      const r = await d.metadefs.updateNamespace(req.auth, p(req, 'namespace'), req.body);
      json(res, 200, v.namespace(r.ns, r));
    },
    deleteMetadefNamespace: async (req, res) => {
      await d.metadefs.deleteNamespace(req.auth, p(req, 'namespace'));
      noContent(res);
    },
    listMetadefObjects: async (req, res) => json(res, 200, v.objects(p(req, 'namespace'), await d.metadefs.listObjects(req.auth, p(req, 'namespace')))),
    createMetadefObject: async (req, res) => json(res, 201, v.object(p(req, 'namespace'), await d.metadefs.createObject(req.auth, p(req, 'namespace'), req.body))),
    deleteMetadefObjects: async (req, res) => {
      await d.metadefs.deleteAllObjects(req.auth, p(req, 'namespace'));
      noContent(res);
    },
    showMetadefObject: async (req, res) => json(res, 200, v.object(p(req, 'namespace'), await d.metadefs.showObject(req.auth, p(req, 'namespace'), p(req, 'name')))),
    updateMetadefObject: async (req, res) => json(res, 200, v.object(p(req, 'namespace'), await d.metadefs.updateObject(req.auth, p(req, 'namespace'), p(req, 'name'), req.body))),
    deleteMetadefObject: async (req, res) => {
      await d.metadefs.deleteObject(req.auth, p(req, 'namespace'), p(req, 'name'));
      noContent(res);
    },
    listMetadefProperties: async (req, res) => json(res, 200, v.properties(await d.metadefs.listProperties(req.auth, p(req, 'namespace')))),
    createMetadefProperty: async (req, res) => json(res, 201, v.property(await d.metadefs.createProperty(req.auth, p(req, 'namespace'), req.body))),
    deleteMetadefProperties: async (req, res) => {
      await d.metadefs.deleteAllProperties(req.auth, p(req, 'namespace'));
      noContent(res);
    },
    showMetadefProperty: async (req, res) => json(res, 200, v.property(await d.metadefs.showProperty(req.auth, p(req, 'namespace'), p(req, 'name')))),
    updateMetadefProperty: async (req, res) => json(res, 200, v.property(await d.metadefs.updateProperty(req.auth, p(req, 'namespace'), p(req, 'name'), req.body))),
    deleteMetadefProperty: async (req, res) => {
      await d.metadefs.deleteProperty(req.auth, p(req, 'namespace'), p(req, 'name'));
      noContent(res);
    },
    listMetadefTags: async (req, res) => json(res, 200, v.tags(await d.metadefs.listTags(req.auth, p(req, 'namespace')))),
    createMetadefTags: async (req, res) => {
      const append = String(req.headers['x-openstack-append'] ?? '').toLowerCase() === 'true';
      json(res, 201, v.tags(await d.metadefs.createTags(req.auth, p(req, 'namespace'), req.body, append)));
    },
    deleteMetadefTags: async (req, res) => {
      await d.metadefs.deleteAllTags(req.auth, p(req, 'namespace'));
      noContent(res);
    },
    showMetadefTag: async (req, res) => json(res, 200, v.tag(await d.metadefs.showTag(req.auth, p(req, 'namespace'), p(req, 'name')))),
    createMetadefTag: async (req, res) => json(res, 201, v.tag(await d.metadefs.createTag(req.auth, p(req, 'namespace'), p(req, 'name')))),
    updateMetadefTag: async (req, res) => json(res, 200, v.tag(await d.metadefs.updateTag(req.auth, p(req, 'namespace'), p(req, 'name'), req.body))),
    deleteMetadefTag: async (req, res) => {
      await d.metadefs.deleteTag(req.auth, p(req, 'namespace'), p(req, 'name'));
      noContent(res);
    },
    listMetadefResourceTypes: async (_req, res) => json(res, 200, v.resourceTypes(await d.metadefs.listResourceTypes())),
    listMetadefResourceTypeAssociations: async (req, res) => json(res, 200, v.associations(await d.metadefs.listAssociations(req.auth, p(req, 'namespace')))),
    createMetadefResourceTypeAssociation: async (req, res) => json(res, 201, v.association(await d.metadefs.createAssociation(req.auth, p(req, 'namespace'), req.body))),
    deleteMetadefResourceTypeAssociation: async (req, res) => {
      await d.metadefs.deleteAssociation(req.auth, p(req, 'namespace'), p(req, 'resource_type'));
      noContent(res);
    },
  };
}

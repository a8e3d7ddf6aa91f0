// Nova flavor handlers, keyed by the operationIds of api-specs/compute-v2.1.yaml.
import { BadRequestError, NotFoundError } from '../http/errors.js';
import type { Handler } from '../http/openapi-router.js';
import type { AuthContext } from '../identity/auth-context.js';
import { computeContext } from './compute-context.js';
import type { FlavorListQuery, FlavorService } from './flavor-service.js';
import type { FlavorViews } from './flavor-views.js';

export function createFlavorHandlers(flavors: FlavorService, views: FlavorViews): Record<string, Handler<AuthContext>> {
  return {
    listFlavors: async (req, res) => {
      const ctx = computeContext(req, res);
      const q = req.query as FlavorListQuery;
      const rows = await flavors.list(ctx, q);
      res.json(views.collection('flavors', rows.map((f) => views.basic(f)), rows, q.limit ? Number(q.limit) : undefined, 'flavors'));
    },
    listFlavorsDetail: async (req, res) => {
      const ctx = computeContext(req, res);
      const q = req.query as FlavorListQuery;
      const rows = await flavors.list(ctx, q);
      res.json(views.collection('flavors', rows.map((f) => views.detail(f, ctx.version)), rows, q.limit ? Number(q.limit) : undefined, 'flavors/detail'));
    },
    showFlavor: async (req, res) => {
      const ctx = computeContext(req, res);
      res.json({ flavor: views.detail(await flavors.get(ctx, req.params.flavor_id), ctx.version) });
    },
    createFlavor: async (req, res) => {
      const ctx = computeContext(req, res);
      res.json({ flavor: views.detail(await flavors.create(ctx, req.body.flavor), ctx.version) });
    },
    deleteFlavor: async (req, res) => {
      const ctx = computeContext(req, res);
      await flavors.delete(ctx, req.params.flavor_id);
      res.status(202).end();
    },
    listFlavorExtraSpecs: async (req, res) => {
      const ctx = computeContext(req, res);
      res.json({ extra_specs: await flavors.extraSpecs(ctx, req.params.flavor_id) });
    },
    createFlavorExtraSpecs: async (req, res) => {
      const ctx = computeContext(req, res);
      res.json({ extra_specs: await flavors.setExtraSpecs(ctx, req.params.flavor_id, req.body.extra_specs) });
    },
    showFlavorExtraSpec: async (req, res) => {
      const ctx = computeContext(req, res);
      const specs = await flavors.extraSpecs(ctx, req.params.flavor_id);
      if (!(req.params.key in specs)) {
        throw new NotFoundError(`Flavor ${req.params.flavor_id} has no extra specs with key ${req.params.key}.`);
      }
      res.json({ [req.params.key]: specs[req.params.key] });
    },
    updateFlavorExtraSpec: async (req, res) => {
      const ctx = computeContext(req, res);
      if (!(req.params.key in req.body)) throw new BadRequestError('Request body and URI mismatch');
      res.json(await flavors.setExtraSpecs(ctx, req.params.flavor_id, req.body));
    },
    deleteFlavorExtraSpec: async (req, res) => {
      const ctx = computeContext(req, res);
      await flavors.deleteExtraSpec(ctx, req.params.flavor_id, req.params.key);
      res.status(200).end();
    },
    listFlavorAccess: async (req, res) => {
      const ctx = computeContext(req, res);
      res.json(views.access(req.params.flavor_id, await flavors.access(ctx, req.params.flavor_id)));
    },
    flavorAction: async (req, res) => {
      const ctx = computeContext(req, res);
      const [action, body] = Object.entries(req.body as Record<string, { tenant?: string }>)[0];
      const tenant = body?.tenant;
      if (typeof tenant !== 'string' || !tenant) throw new BadRequestError(`Invalid input for field/attribute ${action}: 'tenant' is a required property`);
      let projects: string[];
      if (action === 'addTenantAccess') projects = await flavors.addAccess(ctx, req.params.flavor_id, tenant);
      else if (action === 'removeTenantAccess') projects = await flavors.removeAccess(ctx, req.params.flavor_id, tenant);
      else throw new BadRequestError(`Invalid input for field/attribute: '${action}' is not a flavor action.`);
      res.json(views.access(req.params.flavor_id, projects));
    },
  };
}

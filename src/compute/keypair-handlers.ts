// Nova keypair handlers (nova/api/openstack/compute/keypairs.py): 200 at 2.1, 201 from 2.2 on.
import type { Handler } from '../http/openapi-router.js';
import type { AuthContext } from '../identity/auth-context.js';
import { computeContext, type ComputeContext } from './compute-context.js';
import type { KeypairService } from './keypair-service.js';
import type { KeypairRow } from './repositories/keypair-repository.js';
import { isoMicrosNoZone } from './server-views.js';

/** Nova's keypair bodies: create and show carry user_id, list entries do not (tempest's schemas). */
function keypairView(k: KeypairRow, ctx: ComputeContext, opts: { detail: boolean; list?: boolean; privateKey?: string }) {
  const body: Record<string, unknown> = { name: k.name, public_key: k.public_key, fingerprint: k.fingerprint };
  if (ctx.version.atLeast('2.2')) body.type = k.type;
  if (!opts.list) body.user_id = k.user_id;
  if (opts.detail) {
    body.created_at = isoMicrosNoZone(k.created_at);
    body.deleted = false;
    body.deleted_at = null;
    body.updated_at = null;
    body.id = k.id;
  }
  if (opts.privateKey !== undefined) body.private_key = opts.privateKey;
  return body;
}

export function createKeypairHandlers(keypairs: KeypairService, base: string): Record<string, Handler<AuthContext>> {
  return {
    listKeypairs: async (req, res) => {
      const ctx = computeContext(req, res);
      const q = req.query as { user_id?: string; limit?: string; marker?: string };
      const rows = await keypairs.list(ctx, q);
      const body: Record<string, unknown> = {
        keypairs: rows.map((k) => ({ keypair: keypairView(k, ctx, { detail: false, list: true }) })),
      };
      if (ctx.version.atLeast('2.35') && q.limit !== undefined && rows.length === Number(q.limit) && rows.length > 0) {
        body.keypairs_links = [{ rel: 'next', href: `${base}/v2.1/os-keypairs?limit=${q.limit}&marker=${encodeURIComponent(rows[rows.length - 1].name)}` }];
      }
      res.json(body);
    },
    createKeypair: async (req, res) => {
      const ctx = computeContext(req, res);
      const { row, privateKey } = await keypairs.create(ctx, req.body.keypair);
      res.status(ctx.version.atLeast('2.2') ? 201 : 200).json({ keypair: keypairView(row, ctx, { detail: false, privateKey }) });
    },
    showKeypair: async (req, res) => {
      const ctx = computeContext(req, res);
      const row = await keypairs.get(ctx, req.params.keypair_name, req.query.user_id as string | undefined);
      res.json({ keypair: keypairView(row, ctx, { detail: true }) });
    },
    deleteKeypair: async (req, res) => {
      const ctx = computeContext(req, res);
      await keypairs.delete(ctx, req.params.keypair_name, req.query.user_id as string | undefined);
      res.status(ctx.version.atLeast('2.2') ? 204 : 202).end();
    },
  };
}

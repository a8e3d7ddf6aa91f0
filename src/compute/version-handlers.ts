// Version discovery (nova/api/openstack/compute/versions.py, versionsV21.py).
import type { Handler } from '../http/openapi-router.js';
import type { AuthContext } from '../identity/auth-context.js';
import { MAX_VERSION, MIN_VERSION } from './api-version.js';

export function createVersionHandlers(base: string): Record<string, Handler<AuthContext>> {
  const v21 = (links: unknown[]) => ({
    id: 'v2.1',
    status: 'CURRENT',
    version: MAX_VERSION,
    min_version: MIN_VERSION,
    updated: '2013-07-23T11:33:21Z',
    links,
  });
  return {
    listVersions: async (_req, res) => {
      res.json({
        versions: [
          // The legacy v2 API, served as Nova serves it: the v2.1 code without microversions.
          { id: 'v2.0', status: 'SUPPORTED', version: '', min_version: '', updated: '2011-01-21T11:33:21Z', links: [{ rel: 'self', href: `${base}/v2/` }] },
          v21([{ rel: 'self', href: `${base}/v2.1/` }]),
        ],
      });
    },
    showVersion: async (_req, res) => {
      if (res.locals.legacyV2) {
        res.json({
          version: {
            id: 'v2.0', status: 'SUPPORTED', version: '', min_version: '', updated: '2011-01-21T11:33:21Z',
            links: [{ rel: 'self', href: `${base}/v2/` }, { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' }],
            'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2' }],
          },
        });
        return;
      }
      res.json({
        version: {
          ...v21([{ rel: 'self', href: `${base}/v2.1/` }, { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' }]),
          'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.compute+json;version=2.1' }],
        },
      });
    },
  };
}

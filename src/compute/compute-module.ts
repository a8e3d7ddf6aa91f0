// Composes Nova: hosts (libvirt connections and drivers) → repositories → services → handlers →
// router, plus the job worker and the power state sync. Called once, from main.ts.
import { join } from 'node:path';
import express, { type Router } from 'express';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { Database } from '../db/database.js';
import { createServiceRouter } from '../http/openapi-router.js';
import type { AuthContext } from '../identity/auth-context.js';
import type { TokenService } from '../identity/token-service.js';
import { TaskQueue } from '../tasks/task-queue.js';
import { TaskWorker } from '../tasks/task-worker.js';
import { BuildServerTask } from '../tasks/build-server.js';
import { DeleteServerTask } from '../tasks/delete-server.js';
import { PowerActionTask } from '../tasks/power-action.js';
import { RebuildServerTask } from '../tasks/rebuild-server.js';
import { SnapshotServerTask } from '../tasks/snapshot-server.js';
import type { ComputeTaskDeps } from '../tasks/compute-task-deps.js';
import type { ComputeDriver } from '../virt/compute-driver.js';
import { AvailabilityZones } from './availability-zones.js';
import { seedFlavors } from './compute-bootstrap.js';
import { computeErrorRenderer } from './compute-errors.js';
import { computeVersioning } from './compute-versioning.js';
import { NotFoundError } from '../http/errors.js';
import { negotiateVersion } from './api-version.js';

function negotiateVersionOr21(headers: Parameters<typeof negotiateVersion>[0]) {
  try {
    return negotiateVersion(headers);
  } catch {
    return negotiateVersion({});
  }
}
import { createFlavorHandlers } from './flavor-handlers.js';
import { FlavorService } from './flavor-service.js';
import { FlavorViews } from './flavor-views.js';
import { HostManager } from './host-manager.js';
import type { ImageGateway } from './image-gateway.js';
import { createKeypairHandlers } from './keypair-handlers.js';
import { KeypairService } from './keypair-service.js';
import { createLimitsHandlers } from './limits-handlers.js';
import { PowerSync } from './power-sync.js';
import { QuotaService } from './quota-service.js';
import { AggregateRepository } from './repositories/aggregate-repository.js';
import { FlavorRepository } from './repositories/flavor-repository.js';
import { HostRepository } from './repositories/host-repository.js';
import { InstanceActionRepository } from './repositories/instance-action-repository.js';
import { KeypairRepository } from './repositories/keypair-repository.js';
import { NetworkRepository, type NetworkRow } from './repositories/network-repository.js';
import { QuotaRepository } from './repositories/quota-repository.js';
import { QuotaScopeRepository } from './repositories/quota-scope-repository.js';
import { ServerGroupRepository } from './repositories/server-group-repository.js';
import { ServerRepository } from './repositories/server-repository.js';
import { ServerActionService } from './server-action-service.js';
import { createServerHandlers } from './server-handlers.js';
import { ServerService } from './server-service.js';
import { ServerViews } from './server-views.js';
import { createVersionHandlers } from './version-handlers.js';
import { createAdminHandlers } from './admin-handlers.js';
import { createAuditHandlers } from './audit-handlers.js';

/** Makes the driver of one host: connects to libvirt and prepares the host (pools, NAT network). */
export type DriverFactory = (
  uri: string,
  opts: { network: Config['compute']['network'] | null },
) => Promise<{ driver: ComputeDriver; virtType: string; /** Closes the connection to the host. */ disconnect: () => Promise<void> }>;

export interface ComputeModule {
  router: Router;
  stop(): Promise<void>;
}

export async function createComputeModule(opts: {
  db: Database;
  databaseUrl: string;
  config: Config;
  tokens: TokenService;
  images: ImageGateway;
  createDriver: DriverFactory;
  specDir: string;
  log: Logger;
}): Promise<ComputeModule> {
  const { db, config, log } = opts;
  const base = `${config.publicUrl}/compute`;
  const flavorRepo = new FlavorRepository(db);
  await seedFlavors(flavorRepo);
  const serverRepo = new ServerRepository(db);
  const keypairRepo = new KeypairRepository(db);
  const networks = new NetworkRepository(db);
  const actions = new InstanceActionRepository(db);
  const groups = new ServerGroupRepository(db);
  const aggregates = new AggregateRepository(db);
  const hostRepo = new HostRepository(db);
  const zones = new AvailabilityZones(aggregates);
  const quotas = new QuotaService(new QuotaRepository(db), new QuotaScopeRepository(db), serverRepo, keypairRepo, groups);
  const hosts = new HostManager(hostRepo, zones, log.child({ component: 'hosts' }), `${config.publicUrl}/image`);

  // The network servers join: libvirt's NAT network, or user-mode networking where it cannot run.
  const c = config.compute;
  // Upserted by name: a new id only the first time (the merge keeps an existing row's id).
  let network: Omit<NetworkRow, 'id'> = { name: c.network.name, libvirt_name: c.network.name, cidr: c.network.cidr, gateway: c.network.gateway, mode: 'nat' };
  for (const [i, uri] of c.libvirtUris.entries()) {
    let made;
    try {
      made = await opts.createDriver(uri, { network: c.network });
    } catch (err) {
      if (i > 0 || !/network/i.test(String((err as Error)?.message))) {
        log.error({ err, uri }, 'compute host unavailable: servers cannot be placed on it');
        continue;
      }
      // Said loudly, as the issue asks: guests still boot, but only with qemu's user-mode network.
      log.error({ err, uri }, `the NAT network ${c.network.name} cannot run on this host: falling back to user-mode networking (10.0.2.15 in every guest)`);
      made = await opts.createDriver(uri, { network: null }).catch((e2) => {
        log.error({ err: e2, uri }, 'compute host unavailable: servers cannot be placed on it');
        return undefined;
      });
      if (!made) continue;
      network = { name: c.network.name, libvirt_name: '', cidr: '10.0.2.0/24', gateway: '10.0.2.2', mode: 'user' };
    }
    await hosts.add(uri, made.virtType, made.driver, made.disconnect);
  }
  const defaultNetwork = await networks.upsert({ id: crypto.randomUUID(), ...network });

  const tasks = new TaskQueue(db);
  const taskDeps: ComputeTaskDeps = { servers: serverRepo, networks, actions, groups, hosts, images: opts.images, shutdownTimeoutSeconds: c.shutdownTimeoutSeconds, log };
  const worker = new TaskWorker(
    tasks,
    {
      'build-server': new BuildServerTask(taskDeps),
      'delete-server': new DeleteServerTask(taskDeps),
      'power-action': new PowerActionTask(taskDeps),
      'snapshot-server': new SnapshotServerTask(taskDeps),
      'rebuild-server': new RebuildServerTask(taskDeps),
    },
    log.child({ component: 'tasks' }),
    { concurrency: c.workerConcurrency, databaseUrl: opts.databaseUrl },
  );
  const kick = () => worker.kick();

  const flavors = new FlavorService(flavorRepo);
  const servers = new ServerService({
    db, servers: serverRepo, flavors, keypairs: keypairRepo, networks, actions, groups, images: opts.images, quotas, zones, tasks, kick,
    forceConfigDrive: c.forceConfigDrive,
    defaultNetwork: () => defaultNetwork,
    leasedAddresses: (name) => hosts.leasedAddresses(name),
  });
  const flavorViews = new FlavorViews(base);
  const router = await createServiceRouter<AuthContext>({
    specFile: join(opts.specDir, 'compute-v2.1.yaml'),
    handlers: {
      ...createVersionHandlers(base),
      ...createFlavorHandlers(flavors, flavorViews),
      ...createKeypairHandlers(new KeypairService(keypairRepo, quotas), base),
      ...createLimitsHandlers(quotas),
      ...createServerHandlers({
        servers,
        actions: new ServerActionService({ servers, repo: serverRepo, actions, tasks, hosts, images: opts.images, kick }),
        instanceActions: actions,
        hosts,
        views: new ServerViews(base, flavorViews),
      }),
      ...createAuditHandlers({ servers, hosts, hostRepo }),
      ...createAdminHandlers({ db, hosts, hostRepo, aggregates, zones, groups, quotas, servers: serverRepo, images: opts.images, base }),
    },
    renderError: computeErrorRenderer,
    authenticate: (req) => opts.tokens.validate(req.header('x-auth-token')),
  });
  const mounted = express.Router();
  // /v2 is the legacy API: the same handlers at microversion 2.1, whatever the client asks for.
  mounted.use((req, res, next) => {
    // Nova routes /os-simple-tenant-usage/{tenant_id}: an empty id is no route (404), not the list.
    if (/\/os-simple-tenant-usage\/(\?|$)/.test(req.url)) {
      res.locals.computeVersion = negotiateVersionOr21(req.headers);
      computeErrorRenderer(new NotFoundError('The resource could not be found.'), req, res);
      return;
    }
    if (/^\/v2(\/|$|\?)/.test(req.url)) {
      res.locals.legacyV2 = true;
      req.url = req.url.replace(/^\/v2/, '/v2.1');
      delete req.headers['openstack-api-version'];
      delete req.headers['x-openstack-nova-api-version'];
    }
    next();
  });
  mounted.use(computeVersioning);
  mounted.use(router);

  hosts.startHeartbeat();
  const powerSync = new PowerSync(serverRepo, hosts, log.child({ component: 'power-sync' }));
  powerSync.start();
  await worker.start();
  // Once at start: catch up with what happened while virtstack was down.
  void powerSync.reconcile().catch((err) => log.warn({ err }, 'power state reconcile failed'));

  return {
    router: mounted,
    async stop() {
      powerSync.stop();
      await worker.stop();
      await hosts.close();
    },
  };
}

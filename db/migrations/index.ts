// The ordered list of migrations. A migration file is never edited once merged; add a new one.
import type { Knex } from 'knex';
import * as identity from './20261126_0001_identity.js';
import * as identityExtensions from './20261127_0001_identity_extensions.js';
import * as identityChangeNotify from './20261128_0002_identity_change_notify.js';
import * as compute from './20261126_0010_compute.js';
import * as serverSecurityGroups from './20261128_0012_server_security_groups.js';
import * as image from './20261127_0020_image.js';
import * as computeQuotaScopes from './20261128_0011_compute_quota_scopes.js';
import * as identityNotifyIgnoresLockoutCounters from './20261129_0003_identity_notify_ignores_lockout_counters.js';

export const migrations: Record<string, Knex.Migration> = {
  '20261126_0001_identity': identity,
  '20261127_0001_identity_extensions': identityExtensions,
  '20261128_0002_identity_change_notify': identityChangeNotify,
  '20261126_0010_compute': compute,
  '20261128_0012_server_security_groups': serverSecurityGroups,
  '20261127_0020_image': image,
  '20261128_0011_compute_quota_scopes': computeQuotaScopes,
  '20261129_0003_identity_notify_ignores_lockout_counters': identityNotifyIgnoresLockoutCounters,
};

// Nova's microversions (nova/api/openstack/api_version_request.py): negotiated per request from
// `OpenStack-API-Version: compute X.Y` or `X-OpenStack-Nova-API-Version: X.Y`; none means 2.1,
// `latest` the maximum. Each version virtstack honours has a line in VERSION_HISTORY, and its shape
// changes live only in the views (`if (v.atLeast('2.9'))`), each with a golden sample in test/compute.
import { BadRequestError, NotAcceptableError } from '../http/errors.js';

export const VERSION_HISTORY: ReadonlyArray<readonly [string, string]> = [
  ['2.1', 'Initial version (the v2.1 API).'],
  ['2.2', 'Keypairs have a type (ssh, x509); keypair create answers 201, delete 204.'],
  ['2.3', 'Admins see extended server attributes (OS-EXT-SRV-ATTR:reservation_id, launch_index, hostname, kernel_id, ramdisk_id, root_device_name, user_data).'],
  ['2.4', 'Reserved (fixed IPs): no change to what virtstack serves.'],
  ['2.5', 'Server list accepts the ip6 filter.'],
  ['2.6', 'Remote consoles API (not served: no console proxy yet); no other change.'],
  ['2.7', 'Creating a server in a group of another project is refused.'],
  ['2.8', 'MKS consoles (not served); no other change.'],
  ['2.9', 'Servers show `locked`.'],
  ['2.10', 'Admins manage keypairs of other users (user_id); keypairs show user_id.'],
  ['2.11', 'Services: forced_down (not used by virtstack); no other change.'],
  ['2.12', 'Reserved (VIF net_id): no change.'],
  ['2.13', 'Server groups show project_id and user_id.'],
  ['2.14', 'Evacuate without on_shared_storage (evacuate not served); no other change.'],
  ['2.15', 'Server groups accept soft-affinity and soft-anti-affinity.'],
  ['2.16', 'Servers show host_status to admins.'],
  ['2.17', 'os-triggerCrashDump action (NMI to the guest).'],
  ['2.18', 'The project id is optional in URLs (virtstack never needs it).'],
  ['2.19', 'Servers have a description (create, update, rebuild, show).'],
  ['2.20', 'Volume attach on shelved servers (volumes not served); no other change.'],
  ['2.21', 'Instance actions of deleted servers can be read.'],
  ['2.22', 'Live migration force-complete (not served); no other change.'],
  ['2.23', 'Migrations list shows links and type (migrations not served); no other change.'],
  ['2.24', 'Live migration abort (not served); no other change.'],
  ['2.25', 'Live migration block_migration auto (not served); no other change.'],
  ['2.26', 'Server tags.'],
  ['2.27', 'The OpenStack-API-Version header is accepted (as well as X-OpenStack-Nova-API-Version).'],
  ['2.28', 'Hypervisors show cpu_info as an object.'],
  ['2.29', 'Evacuate force (not served); no other change.'],
  ['2.30', 'Live migrate force (not served); no other change.'],
  ['2.31', 'Remote console URLs (not served); no other change.'],
  ['2.32', 'Tagged devices at boot (network tags accepted).'],
  ['2.33', 'Hypervisors list is paginated (limit, marker).'],
  ['2.34', 'Live migration checks are asynchronous (not served); no other change.'],
  ['2.35', 'Keypairs list is paginated (limit, marker).'],
  ['2.36', 'Proxy APIs (images, networks, quota of networks, …) are gone from this microversion on.'],
  ['2.37', 'Server create requires `networks` ("auto", "none" or a list).'],
  ['2.38', 'Server list status filter must be a valid status (400 otherwise).'],
  ['2.39', 'Limits no longer show maxImageMeta.'],
  ['2.40', 'Simple tenant usage is paginated.'],
  ['2.41', 'Aggregates show their uuid.'],
  ['2.42', 'Tagged devices at boot, fixed.'],
  ['2.43', 'os-hosts is gone from this microversion on (use os-hypervisors and os-services).'],
  ['2.44', 'addFixedIp/removeFixedIp/addFloatingIp and os-virtual-interfaces are gone.'],
  ['2.45', 'createImage answers {"image_id"} in the body and no Location header.'],
  ['2.46', 'Instance action events of a request carry the request id of the caller (no change here).'],
  ['2.47', 'Servers embed the flavor (original_name, vcpus, ram, disk, ephemeral, swap, extra_specs) instead of a link.'],
];

export const MIN_VERSION = '2.1';
export const MAX_VERSION = VERSION_HISTORY[VERSION_HISTORY.length - 1][0];

export class ApiVersion {
  constructor(readonly major: number, readonly minor: number) {}

  static parse(s: string): ApiVersion | undefined {
    const m = /^(\d+)\.(\d+)$/.exec(s.trim());
    return m ? new ApiVersion(Number(m[1]), Number(m[2])) : undefined;
  }

  compare(other: ApiVersion): number {
    return this.major - other.major || this.minor - other.minor;
  }

  atLeast(v: string): boolean {
    return this.compare(ApiVersion.parse(v)!) >= 0;
  }

  before(v: string): boolean {
    return !this.atLeast(v);
  }

  toString(): string {
    return `${this.major}.${this.minor}`;
  }
}

const MIN = ApiVersion.parse(MIN_VERSION)!;
const MAX = ApiVersion.parse(MAX_VERSION)!;

/**
 * The microversion a request asks for. `OpenStack-API-Version` wins over the legacy header.
 * Malformed → 400; outside [min, max] → 406 (nova/api/openstack/wsgi.py).
 */
export function negotiateVersion(headers: Record<string, string | string[] | undefined>): ApiVersion {
  const first = (h: string | string[] | undefined) => (Array.isArray(h) ? h.join(',') : h);
  let requested: string | undefined;
  const modern = first(headers['openstack-api-version']);
  if (modern) {
    for (const part of modern.split(',')) {
      const [service, ...rest] = part.trim().split(/\s+/);
      if (service?.toLowerCase() === 'compute') requested = rest.join(' ');
    }
  }
  requested ??= first(headers['x-openstack-nova-api-version']);
  if (!requested) return MIN;
  if (requested.trim().toLowerCase() === 'latest') return MAX;
  const v = ApiVersion.parse(requested);
  if (!v) throw new BadRequestError(`API Version String ${requested} is of invalid format. Must be of format MajorNum.MinorNum.`);
  if (v.compare(MIN) < 0 || v.compare(MAX) > 0) {
    throw new NotAcceptableError(`Version ${v} is not supported by the API. Minimum is ${MIN_VERSION} and maximum is ${MAX_VERSION}.`);
  }
  return v;
}

// Typed configuration from environment variables, validated once at start.
// Every variable virtstack reads is declared here, so this file is the one documented place
// (the README's configuration table mirrors it).
import { resolve } from 'node:path';

export interface Config {
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  databaseUrl: string | undefined;
  adminPassword: string | undefined;
  region: string;
  tokenExpirationSeconds: number;
  logLevel: string;
  /** Consecutive wrong passwords after which a user is locked out for a while (Keystone's lockout_failure_attempts). */
  lockoutFailureAttempts: number;
  /** Base lockout in seconds; it doubles with every further failure, up to 15 minutes. */
  lockoutDurationSeconds: number;
  /** Glance's image_size_cap: the largest image, in bytes, an upload, stage or import may write. */
  imageSizeLimit: number;
  /** Per-project image quotas (Glance's image_count_total, image_size_total, image_stage_total). */
  imageQuotaCount: number;
  imageQuotaBytes: number;
  imageQuotaStagedBytes: number;
  /** Hosts, addresses or CIDRs web-download may fetch from although they are loopback, link-local or private. */
  webDownloadAllow: string[];
  compute: ComputeConfig;
}

export interface ComputeConfig {
  /** libvirt URIs of the compute hosts (LIBVIRT_URI, comma-separated); the first is the local host. */
  libvirtUris: string[];
  /** kvm or qemu; undefined: detected per host (Nova's [libvirt] virt_type). */
  virtType: 'kvm' | 'qemu' | undefined;
  /** Host-side directory for disks, config drives and console logs. */
  hostStateDir: string;
  network: { name: string; bridge: string; cidr: string; gateway: string };
  forceConfigDrive: boolean;
  /** Seconds a soft stop waits for the guest before powering it off (Nova's shutdown_timeout). */
  shutdownTimeoutSeconds: number;
  workerConcurrency: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

export const CONFIG_VARIABLES: ReadonlyArray<{ name: string; default: string; meaning: string }> = [
  { name: 'VIRTSTACK_HOST', default: '127.0.0.1', meaning: 'address the HTTP server listens on' },
  { name: 'VIRTSTACK_PORT', default: '8080', meaning: 'HTTP port (Keystone, Nova and Glance share it)' },
  { name: 'VIRTSTACK_PUBLIC_URL', default: 'http://HOST:PORT', meaning: 'base of the URLs in the service catalog' },
  { name: 'VIRTSTACK_DATA_DIR', default: './.virtstack', meaning: 'keys, embedded PostgreSQL data, admin-openrc' },
  { name: 'DATABASE_URL', default: '(unset: embedded PostgreSQL)', meaning: 'postgres://user:pass@host:port/db' },
  { name: 'VIRTSTACK_ADMIN_PASSWORD', default: '(generated at first start)', meaning: 'password of user admin, used at first start' },
  { name: 'VIRTSTACK_REGION', default: 'RegionOne', meaning: 'region of the catalog endpoints' },
  { name: 'VIRTSTACK_TOKEN_EXPIRATION', default: '3600', meaning: 'token lifetime in seconds' },
  { name: 'VIRTSTACK_LOG_LEVEL', default: 'info', meaning: 'pino log level (fatal, error, warn, info, debug, trace, silent)' },
  { name: 'VIRTSTACK_LOCKOUT_FAILURES', default: '5', meaning: 'wrong passwords in a row before a user is locked out (0 = never)' },
  { name: 'VIRTSTACK_LOCKOUT_DURATION', default: '2', meaning: 'first lockout in seconds; doubles per further failure, max 900' },
  { name: 'LIBVIRT_URI', default: 'qemu:///system', meaning: 'libvirt URI of the compute host; several, comma-separated, for several hosts' },
  { name: 'VIRTSTACK_VIRT_TYPE', default: '(detected: qemu where KVM cannot run guests)', meaning: 'kvm or qemu, like Nova\'s [libvirt] virt_type' },
  { name: 'VIRTSTACK_HOST_STATE_DIR', default: '/var/lib/virtstack', meaning: 'directory on each host for disks, config drives, console logs' },
  { name: 'VIRTSTACK_NETWORK_NAME', default: 'virtstack', meaning: 'libvirt NAT network that servers join (created if missing)' },
  { name: 'VIRTSTACK_NETWORK_BRIDGE', default: 'vsbr0', meaning: 'bridge of that network' },
  { name: 'VIRTSTACK_NETWORK_CIDR', default: '10.213.0.0/24', meaning: 'addresses of that network; the gateway is its first address' },
  { name: 'VIRTSTACK_FORCE_CONFIG_DRIVE', default: 'true', meaning: 'give every server a config drive (there is no metadata service yet)' },
  { name: 'VIRTSTACK_SHUTDOWN_TIMEOUT', default: '60', meaning: 'seconds a soft stop waits before powering a guest off' },
  { name: 'VIRTSTACK_WORKERS', default: '4', meaning: 'jobs (boots, stops, snapshots) one process runs at once' },
  { name: 'VIRTSTACK_IMAGE_SIZE_LIMIT', default: '1099511627776', meaning: 'largest image in bytes (upload, stage, web-download); 1 TiB as Glance' },
  { name: 'VIRTSTACK_IMAGE_QUOTA_COUNT', default: '1000', meaning: 'images a project may own' },
  { name: 'VIRTSTACK_IMAGE_QUOTA_BYTES', default: '10995116277760', meaning: 'bytes of image data a project may store (10 TiB)' },
  { name: 'VIRTSTACK_IMAGE_QUOTA_STAGED_BYTES', default: '1099511627776', meaning: 'bytes a project may hold in the import staging area' },
  { name: 'VIRTSTACK_WEB_DOWNLOAD_ALLOW', default: '(empty)', meaning: 'comma-separated hosts, IPs or CIDRs web-download may reach although loopback/private/link-local' },
];

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(`${name} must be a whole number, got '${raw}'`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): Config {
  const host = env.VIRTSTACK_HOST || '127.0.0.1';
  const port = integer(env, 'VIRTSTACK_PORT', 8080, 0, 65535);
  const publicUrl = (env.VIRTSTACK_PUBLIC_URL || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  try {
    const u = new URL(publicUrl);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
  } catch {
    throw new ConfigError(`VIRTSTACK_PUBLIC_URL must be an http(s) URL, got '${publicUrl}'`);
  }
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql://`);
  }
  const logLevel = env.VIRTSTACK_LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError(`VIRTSTACK_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const adminPassword = env.VIRTSTACK_ADMIN_PASSWORD || undefined;
  if (adminPassword !== undefined && adminPassword.length > 4096) throw new ConfigError('VIRTSTACK_ADMIN_PASSWORD is too long');
  const cidr = env.VIRTSTACK_NETWORK_CIDR || '10.213.0.0/24';
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(cidr);
  if (!m || m.slice(1, 5).some((o) => Number(o) > 255) || Number(m[5]) < 16 || Number(m[5]) > 29) {
    throw new ConfigError(`VIRTSTACK_NETWORK_CIDR must be an IPv4 network from /16 to /29, got '${cidr}'`);
  }
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  const base = ((octets[0] << 24) >>> 0) + (octets[1] << 16) + (octets[2] << 8) + octets[3];
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const net = (base & mask) >>> 0;
  const ip = (n: number) => [24, 16, 8, 0].map((sh) => (n >>> sh) & 255).join('.');
  const virtType = env.VIRTSTACK_VIRT_TYPE || undefined;
  if (virtType !== undefined && virtType !== 'kvm' && virtType !== 'qemu') throw new ConfigError(`VIRTSTACK_VIRT_TYPE must be kvm or qemu, got '${virtType}'`);
  const libvirtUris = (env.LIBVIRT_URI || 'qemu:///system').split(',').map((u) => u.trim()).filter(Boolean);
  for (const u of libvirtUris) {
    if (!/^[a-z]+(\+[a-z]+)?:\/\//.test(u)) throw new ConfigError(`LIBVIRT_URI entries must be libvirt URIs like qemu:///system, got '${u}'`);
  }
  const bool = (name: string, fallback: boolean) => {
    const v = env[name];
    if (v === undefined || v === '') return fallback;
    if (/^(1|true|yes|on)$/i.test(v)) return true;
    if (/^(0|false|no|off)$/i.test(v)) return false;
    throw new ConfigError(`${name} must be true or false, got '${v}'`);
  };
  const bridge = env.VIRTSTACK_NETWORK_BRIDGE || 'vsbr0';
  if (!/^[A-Za-z0-9_-]{1,15}$/.test(bridge)) throw new ConfigError(`VIRTSTACK_NETWORK_BRIDGE must be a Linux interface name (at most 15 characters), got '${bridge}'`);
  const compute: ComputeConfig = {
    libvirtUris,
    virtType,
    hostStateDir: env.VIRTSTACK_HOST_STATE_DIR || '/var/lib/virtstack',
    network: { name: env.VIRTSTACK_NETWORK_NAME || 'virtstack', bridge, cidr: `${ip(net)}/${bits}`, gateway: ip(net + 1) },
    forceConfigDrive: bool('VIRTSTACK_FORCE_CONFIG_DRIVE', true),
    shutdownTimeoutSeconds: integer(env, 'VIRTSTACK_SHUTDOWN_TIMEOUT', 60, 1, 3600),
    workerConcurrency: integer(env, 'VIRTSTACK_WORKERS', 4, 1, 64),
  };
  return {
    compute,
    host,
    port,
    publicUrl,
    dataDir: resolve(env.VIRTSTACK_DATA_DIR || './.virtstack'),
    databaseUrl,
    adminPassword,
    region: env.VIRTSTACK_REGION || 'RegionOne',
    tokenExpirationSeconds: integer(env, 'VIRTSTACK_TOKEN_EXPIRATION', 3600, 60, 7 * 24 * 3600),
    logLevel,
    lockoutFailureAttempts: integer(env, 'VIRTSTACK_LOCKOUT_FAILURES', 5, 0, 1000),
    lockoutDurationSeconds: integer(env, 'VIRTSTACK_LOCKOUT_DURATION', 2, 1, 900),
    imageSizeLimit: integer(env, 'VIRTSTACK_IMAGE_SIZE_LIMIT', 1024 ** 4, 1, Number.MAX_SAFE_INTEGER),
    imageQuotaCount: integer(env, 'VIRTSTACK_IMAGE_QUOTA_COUNT', 1000, 0, Number.MAX_SAFE_INTEGER),
    imageQuotaBytes: integer(env, 'VIRTSTACK_IMAGE_QUOTA_BYTES', 10 * 1024 ** 4, 0, Number.MAX_SAFE_INTEGER),
    imageQuotaStagedBytes: integer(env, 'VIRTSTACK_IMAGE_QUOTA_STAGED_BYTES', 1024 ** 4, 0, Number.MAX_SAFE_INTEGER),
    webDownloadAllow: (env.VIRTSTACK_WEB_DOWNLOAD_ALLOW ?? '').split(',').map((x) => x.trim()).filter(Boolean),
  };
}

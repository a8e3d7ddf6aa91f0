// libvirt connection URIs, read the way libvirt's remote driver reads them
// (https://libvirt.org/uri.html, src/remote/remote_driver.c doRemoteOpen):
//   driver[+transport]://[user@][host][:port]/path[?param=value&...]

export type Transport = 'unix' | 'tls' | 'ssh';

export interface LibvirtUri {
  /** The URI as given. */
  uri: string;
  /** Hypervisor driver: qemu, test, lxc, ... */
  driver: string;
  transport: Transport;
  user: string | null;
  host: string | null;
  port: number | null;
  /** '/system', '/session', '/default', ... */
  path: string;
  /** Every query parameter, decoded. */
  params: Record<string, string>;
  /**
   * The name sent in CONNECT_OPEN: the driver URI without transport, server or the parameters
   * only the client's remote driver understands, as libvirt's remote driver sends it.
   */
  openName: string;
}

// Parameters consumed by the client-side remote driver and never forwarded to the daemon.
const CLIENT_PARAMS = new Set([
  'name',
  'command',
  'socket',
  'auth',
  'netcat',
  'keyfile',
  'no_verify',
  'no_tty',
  'pkipath',
  'known_hosts',
  'known_hosts_verify',
  'sshauth',
  'mode',
  'proxy',
  'tls_priority',
]);

export function parseLibvirtUri(uri: string): LibvirtUri {
  const m = /^([a-z][a-z0-9-]*)(?:\+([a-z0-9-]+))?:\/\/(?:([^@/?#]*)@)?(\[[^\]]+\]|[^:/?#]*)(?::(\d+))?(\/[^?#]*)?(?:\?([^#]*))?$/i.exec(
    uri,
  );
  if (!m) throw new TypeError(`not a libvirt URI: ${uri}`);
  const [, driver, transportRaw, user, hostRaw, portRaw, pathRaw, query] = m;
  const host = hostRaw ? hostRaw.replace(/^\[(.*)\]$/, '$1') : null;
  let transport: Transport;
  switch (transportRaw?.toLowerCase()) {
    case undefined:
      // Like libvirt: a URI naming a host and no transport means TLS.
      transport = host ? 'tls' : 'unix';
      break;
    case 'unix':
    case 'tls':
    case 'ssh':
      transport = transportRaw.toLowerCase() as Transport;
      break;
    case 'libssh':
    case 'libssh2':
      // Same wire as ssh; we drive the system ssh binary for all of them.
      transport = 'ssh';
      break;
    default:
      throw new TypeError(`unsupported libvirt transport '${transportRaw}' in ${uri}`);
  }
  const params: Record<string, string> = {};
  const forwarded: string[] = [];
  for (const part of (query ?? '').split('&')) {
    if (!part) continue;
    const eq = part.indexOf('=');
    const k = decodeURIComponent(eq < 0 ? part : part.slice(0, eq));
    const v = eq < 0 ? '' : decodeURIComponent(part.slice(eq + 1).replace(/\+/g, ' '));
    params[k] = v;
    if (!CLIENT_PARAMS.has(k.toLowerCase())) forwarded.push(part);
  }
  const path = pathRaw ?? '';
  const openName = params.name ?? `${driver}://${path}${forwarded.length ? `?${forwarded.join('&')}` : ''}`;
  return {
    uri,
    driver: driver.toLowerCase(),
    transport,
    user: user ? decodeURIComponent(user) : null,
    host,
    port: portRaw ? Number(portRaw) : null,
    path,
    params,
    openName,
  };
}

/** libvirt reads boolean URI parameters as integers: no_verify=1. */
export function uriFlag(u: LibvirtUri, name: string): boolean {
  const v = u.params[name];
  return v !== undefined && v !== '' && v !== '0';
}

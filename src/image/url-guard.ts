// The guard against server-side request forgery for web-download (Glance's [import_filtering_opts]:
// allowed schemes, and no fetching of internal addresses). A URL's host is resolved and every address
// checked; the same check runs again inside the socket's DNS lookup, so a name that resolves to a
// public address at import time and to 127.0.0.1 at connect time (DNS rebinding) is still refused,
// and so is every redirect.
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

const FORBIDDEN: Array<[string, number, 'ipv4' | 'ipv6']> = [
  ['0.0.0.0', 8, 'ipv4'], // "this network"
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // carrier-grade NAT
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], // link-local, cloud metadata services
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'], // multicast and reserved
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'], // unique local
  ['fe80::', 10, 'ipv6'], // link-local
  ['ff00::', 8, 'ipv6'],
];

export class ForbiddenAddressError extends Error {}

export class UrlGuard {
  private readonly forbidden = new BlockList();
  private readonly allowed = new BlockList();
  private readonly allowedHosts = new Set<string>();

  /** allow: hosts, addresses or CIDRs (VIRTSTACK_WEB_DOWNLOAD_ALLOW). */
  constructor(allow: string[]) {
    for (const [a, p, t] of FORBIDDEN) this.forbidden.addSubnet(a, p, t);
    for (const entry of allow) {
      const [addr, prefix] = entry.split('/');
      const family = isIP(addr);
      if (family) this.allowed.addSubnet(addr, prefix !== undefined ? Number(prefix) : family === 4 ? 32 : 128, family === 4 ? 'ipv4' : 'ipv6');
      else this.allowedHosts.add(entry.toLowerCase());
    }
  }

  /** Throws when the URL's scheme is not http(s). */
  parse(uri: string): URL {
    let url: URL;
    try {
      url = new URL(uri);
    } catch {
      throw new ForbiddenAddressError(`'${uri}' is not a valid URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ForbiddenAddressError(`scheme '${url.protocol.replace(':', '')}' is not allowed`);
    return url;
  }

  addressAllowed(address: string, hostname: string): boolean {
    if (this.allowedHosts.has(hostname.toLowerCase())) return true;
    const family: 'ipv4' | 'ipv6' = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    // IPv4-mapped IPv6 (::ffff:127.0.0.1) is checked as the IPv4 address it is.
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
    const [a, f]: [string, 'ipv4' | 'ipv6'] = mapped ? [mapped[1], 'ipv4'] : [address, family];
    if (this.allowed.check(a, f)) return true;
    return !this.forbidden.check(a, f);
  }

  /** Resolves the URL's host and checks every address it has. */
  async check(url: URL): Promise<void> {
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const addresses = await new Promise<LookupAddress[]>((resolve, reject) => dnsLookup(host, { all: true }, (err, a) => (err ? reject(err) : resolve(a))));
    for (const a of addresses) {
      if (!this.addressAllowed(a.address, host)) throw new ForbiddenAddressError(`${host} resolves to ${a.address}, an internal address`);
    }
  }

  /** A dns.lookup replacement for http.Agent that refuses internal addresses at connect time. */
  lookup = (hostname: string, options: any, callback: any): void => {
    const cb = typeof options === 'function' ? options : callback;
    const opts = typeof options === 'function' ? {} : (options ?? {});
    dnsLookup(hostname, { ...opts, all: true }, (err, addresses: LookupAddress[]) => {
      if (err) return cb(err);
      const bad = addresses.find((a) => !this.addressAllowed(a.address, hostname));
      if (bad) return cb(new ForbiddenAddressError(`${hostname} resolves to ${bad.address}, an internal address`));
      if (opts.all) return cb(null, addresses);
      return cb(null, addresses[0].address, addresses[0].family);
    });
  };
}

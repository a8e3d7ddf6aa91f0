// How a libvirt host is reached: the one narrow seam between the RPC client and the network,
// like go-libvirt's socket.Dialer. Everything above it sees a byte stream.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import { Duplex } from 'node:stream';
import tls from 'node:tls';
import { LibvirtConnectionError } from './libvirt-error.js';
import { parseLibvirtUri, uriFlag, type LibvirtUri } from './libvirt-uri.js';

export interface Dialer {
  /** Opens a fresh byte stream to the daemon. Called again on every reconnect. */
  dial(): Promise<Duplex>;
  /** For error messages: where this dialer goes. */
  readonly description: string;
}

const RUN_DIR = '/var/run/libvirt';
const DEFAULT_TLS_PORT = 16514;
const DIAL_TIMEOUT_MS = 10_000;

/** The daemon socket libvirt would use for a local URI. */
export function localSocketPath(u: LibvirtUri): string {
  if (u.params.socket) return u.params.socket;
  const session = u.path === '/session';
  const dir = session
    ? join(process.env.XDG_RUNTIME_DIR ?? `/run/user/${process.getuid?.() ?? 0}`, 'libvirt')
    : RUN_DIR;
  // Modular daemons (virtqemud, ...) own the hypervisor sockets when installed; the monolithic
  // libvirtd (or virtproxyd) listens on libvirt-sock and also serves drivers with no daemon
  // of their own, such as test:///.
  if (u.params.mode !== 'legacy' && u.driver !== 'test') {
    const modular = join(dir, `virt${u.driver}d-sock`);
    if (existsSync(modular)) return modular;
  }
  return join(dir, 'libvirt-sock');
}

export class UnixDialer implements Dialer {
  constructor(readonly path: string) {}

  get description(): string {
    return `unix:${this.path}`;
  }

  dial(): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(this.path);
      sock.once('connect', () => {
        sock.removeListener('error', reject);
        resolve(sock);
      });
      sock.once('error', (err) =>
        reject(new LibvirtConnectionError(`cannot connect to libvirt at ${this.path}: ${err.message}`, { cause: err })),
      );
    });
  }
}

export interface TlsDialerOptions {
  host: string;
  port?: number;
  /** Directory holding cacert.pem, clientcert.pem and clientkey.pem (libvirt's ?pkipath=). */
  pkiPath?: string;
  /** PEM contents, overriding the files (tests, secrets managers). */
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** libvirt's ?no_verify=1: accept a server certificate that does not verify. */
  noVerify?: boolean;
}

/**
 * libvirt over TLS (qemu+tls://host/system). After the handshake the daemon checks the client
 * certificate against its allow-list and sends one byte: 1 accepted, anything else refused.
 */
export class TlsDialer implements Dialer {
  constructor(private readonly opts: TlsDialerOptions) {}

  get description(): string {
    return `tls:${this.opts.host}:${this.opts.port ?? DEFAULT_TLS_PORT}`;
  }

  private pem(given: string | Buffer | undefined, file: string): string | Buffer | undefined {
    if (given !== undefined) return given;
    if (!existsSync(file)) return undefined;
    return readFileSync(file);
  }

  dial(): Promise<Duplex> {
    const { host, noVerify } = this.opts;
    const port = this.opts.port ?? DEFAULT_TLS_PORT;
    // libvirt's defaults when ?pkipath= is not given (virnettlscontext.c).
    const pki = this.opts.pkiPath;
    const ca = this.pem(this.opts.ca, pki ? join(pki, 'cacert.pem') : '/etc/pki/CA/cacert.pem');
    const cert = this.pem(this.opts.cert, pki ? join(pki, 'clientcert.pem') : '/etc/pki/libvirt/clientcert.pem');
    const key = this.pem(this.opts.key, pki ? join(pki, 'clientkey.pem') : '/etc/pki/libvirt/private/clientkey.pem');
    return new Promise((resolve, reject) => {
      const fail = (msg: string, cause?: unknown) => {
        sock.destroy();
        reject(new LibvirtConnectionError(`TLS connection to ${host}:${port} failed: ${msg}`, { cause }));
      };
      const sock = tls.connect({
        host,
        port,
        ca,
        cert,
        key,
        servername: net.isIP(host) ? undefined : host,
        rejectUnauthorized: !noVerify,
      });
      const timer = setTimeout(() => fail('timed out'), DIAL_TIMEOUT_MS);
      sock.once('error', (err) => {
        clearTimeout(timer);
        fail(err.message, err);
      });
      sock.once('secureConnect', () => {
        const onData = (chunk: Buffer) => {
          sock.removeListener('data', onData);
          sock.pause();
          clearTimeout(timer);
          if (chunk[0] !== 1) {
            fail(`server refused the client certificate (confirmation byte ${chunk[0]})`);
            return;
          }
          if (chunk.length > 1) sock.unshift(chunk.subarray(1));
          sock.removeAllListeners('error');
          resolve(sock);
        };
        sock.on('data', onData);
      });
      sock.once('close', () => {
        clearTimeout(timer);
        reject(new LibvirtConnectionError(`TLS connection to ${host}:${port} closed during the handshake`));
      });
    });
  }
}

export interface SshDialerOptions {
  host: string;
  user?: string | null;
  port?: number | null;
  /** ssh binary (libvirt's ?command=). */
  command?: string;
  keyfile?: string;
  /** Skip host key checking (?no_verify=1). */
  noVerify?: boolean;
  knownHosts?: string;
  /** The URI virt-ssh-helper opens on the remote host, e.g. qemu:///system. */
  remoteUri: string;
  /** Remote daemon socket for the nc fallback. */
  remoteSocket: string;
  /** 'auto' tries virt-ssh-helper then nc, as libvirt does; 'native' or 'netcat' force one. */
  proxy?: 'auto' | 'native' | 'netcat';
  netcat?: string;
}

/** A child process's stdout and stdin as one Duplex; destroying it ends the process. */
class ChildDuplex extends Duplex {
  constructor(private readonly child: ReturnType<typeof spawn>) {
    super();
    child.stdout!.on('data', (d: Buffer) => {
      if (!this.push(d)) child.stdout!.pause();
    });
    child.stdout!.on('end', () => this.push(null));
    child.stdin!.on('error', (err) => this.destroy(err));
    child.on('exit', (code, signal) => {
      if (!this.destroyed) {
        this.destroy(new LibvirtConnectionError(`ssh exited (${signal ?? `code ${code}`})`));
      }
    });
  }

  override _read(): void {
    this.child.stdout!.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.child.stdin!.write(chunk, cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.child.stdin!.end(cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill();
    cb(err);
  }
}

const shQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * libvirt over SSH (qemu+ssh://user@host/system): runs the system ssh binary, whose remote
 * command bridges stdio to the daemon — virt-ssh-helper, or `nc -U` on hosts too old for it.
 */
export class SshDialer implements Dialer {
  constructor(private readonly opts: SshDialerOptions) {}

  get description(): string {
    return `ssh:${this.opts.user ? `${this.opts.user}@` : ''}${this.opts.host}`;
  }

  /** The ssh command line, exposed for tests and logs. */
  argv(): string[] {
    const o = this.opts;
    const args: string[] = [];
    if (o.port) args.push('-p', String(o.port));
    if (o.user) args.push('-l', o.user);
    if (o.keyfile) args.push('-i', o.keyfile);
    if (o.knownHosts) args.push('-o', `UserKnownHostsFile=${o.knownHosts}`);
    if (o.noVerify) args.push('-o', 'StrictHostKeyChecking=no');
    // No tty and no escape character: the channel carries binary RPC packets.
    args.push('-T', '-e', 'none', '-o', 'BatchMode=yes', '--', o.host);
    const nc = `${o.netcat ?? 'nc'} -U ${shQuote(o.remoteSocket)}`;
    const helper = `virt-ssh-helper ${shQuote(o.remoteUri)}`;
    let remote: string;
    switch (o.proxy ?? 'auto') {
      case 'native':
        remote = helper;
        break;
      case 'netcat':
        remote = nc;
        break;
      default:
        remote = `if command -v virt-ssh-helper >/dev/null 2>&1; then exec ${helper}; else exec ${nc}; fi`;
    }
    args.push(`sh -c ${shQuote(remote)}`);
    return [o.command ?? 'ssh', ...args];
  }

  dial(): Promise<Duplex> {
    const [cmd, ...args] = this.argv();
    return new Promise((resolve, reject) => {
      const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr!.on('data', (d: Buffer) => {
        stderr = (stderr + d.toString()).slice(-2000);
      });
      child.once('error', (err) =>
        reject(new LibvirtConnectionError(`cannot run ${cmd}: ${err.message}`, { cause: err })),
      );
      child.once('spawn', () => {
        const duplex = new ChildDuplex(child);
        // ssh's diagnostics are the only clue when the channel dies; keep them on the error.
        child.once('exit', (code) => {
          if (code) duplex.destroy(new LibvirtConnectionError(`ssh to ${this.opts.host} exited ${code}: ${stderr.trim()}`));
        });
        resolve(duplex);
      });
    });
  }
}

/** The dialer libvirt would use for a URI. */
export function dialerForUri(uriOrParsed: string | LibvirtUri): Dialer {
  const u = typeof uriOrParsed === 'string' ? parseLibvirtUri(uriOrParsed) : uriOrParsed;
  switch (u.transport) {
    case 'unix':
      return new UnixDialer(localSocketPath(u));
    case 'tls':
      if (!u.host) throw new TypeError(`${u.uri}: TLS needs a host`);
      return new TlsDialer({
        host: u.host,
        port: u.port ?? undefined,
        pkiPath: u.params.pkipath,
        noVerify: uriFlag(u, 'no_verify'),
      });
    case 'ssh': {
      if (!u.host) throw new TypeError(`${u.uri}: SSH needs a host`);
      const proxy = u.params.proxy as SshDialerOptions['proxy'];
      return new SshDialer({
        host: u.host,
        user: u.user,
        port: u.port,
        command: u.params.command,
        keyfile: u.params.keyfile,
        noVerify: uriFlag(u, 'no_verify'),
        knownHosts: u.params.known_hosts,
        remoteUri: u.openName,
        remoteSocket: u.params.socket ?? localSocketPath({ ...u, params: { ...u.params, mode: 'legacy' } }),
        proxy: proxy === 'native' || proxy === 'netcat' ? proxy : 'auto',
        netcat: u.params.netcat,
      });
    }
  }
}

// The libvirt client virtstack uses: typed calls (generated in remote-protocol.ts) over an
// RpcClient, plus what cannot be generated — the open handshake, events routed by callback id,
// streams, per-call timeouts and reconnecting (with event re-registration) when the daemon
// restarts.
import { EventEmitter } from 'node:events';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DomainEventId } from './libvirt-constants.js';
import { dialerForUri, type Dialer } from './dialer.js';
import { LibvirtConnectionError, LibvirtError, LibvirtTimeoutError } from './libvirt-error.js';
import { LibvirtStream } from './libvirt-stream.js';
import { parseLibvirtUri, type LibvirtUri } from './libvirt-uri.js';
import type { Packet } from './packet.js';
import {
  ConnectDomainEventCallbackDeregisterAnyArgsCodec,
  ConnectDomainEventCallbackRegisterAnyArgsCodec,
  ConnectDomainEventCallbackRegisterAnyRetCodec,
  ConnectNetworkEventDeregisterAnyArgsCodec,
  ConnectNetworkEventRegisterAnyArgsCodec,
  ConnectNetworkEventRegisterAnyRetCodec,
  ConnectStoragePoolEventDeregisterAnyArgsCodec,
  ConnectStoragePoolEventRegisterAnyArgsCodec,
  ConnectStoragePoolEventRegisterAnyRetCodec,
  DomainOpenConsoleArgsCodec,
  DomainScreenshotArgsCodec,
  DomainScreenshotRetCodec,
  EVENT_CODECS,
  Procedure,
  REMOTE_PROGRAM,
  REMOTE_PROTOCOL_VERSION,
  RemoteProcedures,
  StorageVolDownloadArgsCodec,
  StorageVolUploadArgsCodec,
  type Domain,
  type DomainEventBlockJob2Msg,
  type DomainEventBlockJobMsg,
  type DomainEventBlockThresholdMsg,
  type DomainEventCallbackAgentLifecycleMsg,
  type DomainEventCallbackDeviceAddedMsg,
  type DomainEventCallbackDeviceRemovalFailedMsg,
  type DomainEventCallbackJobCompletedMsg,
  type DomainEventCallbackMetadataChangeMsg,
  type DomainEventCallbackMigrationIterationMsg,
  type DomainEventCallbackTunableMsg,
  type DomainEventControlErrorMsg,
  type DomainEventDeviceRemovedMsg,
  type DomainEventDiskChangeMsg,
  type DomainEventGraphicsMsg,
  type DomainEventIoErrorMsg,
  type DomainEventIoErrorReasonMsg,
  type DomainEventLifecycleMsg,
  type DomainEventPmsuspendDiskMsg,
  type DomainEventPmsuspendMsg,
  type DomainEventPmwakeupMsg,
  type DomainEventRebootMsg,
  type DomainEventRtcChangeMsg,
  type DomainEventTrayChangeMsg,
  type DomainEventWatchdogMsg,
  type DomainEventBalloonChangeMsg,
  type Network,
  type NetworkEventLifecycleMsg,
  type StoragePool,
  type StoragePoolEventLifecycleMsg,
  type StorageVol,
} from './remote-protocol.js';
import { RpcClient } from './rpc-client.js';
import * as x from './xdr.js';

type Flat<T> = Omit<T, 'callbackID'>;

/** What a domain event handler receives, by event id. */
export interface DomainEventMap {
  [DomainEventId.LIFECYCLE]: DomainEventLifecycleMsg;
  [DomainEventId.REBOOT]: DomainEventRebootMsg;
  [DomainEventId.RTC_CHANGE]: DomainEventRtcChangeMsg;
  [DomainEventId.WATCHDOG]: DomainEventWatchdogMsg;
  [DomainEventId.IO_ERROR]: DomainEventIoErrorMsg;
  [DomainEventId.GRAPHICS]: DomainEventGraphicsMsg;
  [DomainEventId.IO_ERROR_REASON]: DomainEventIoErrorReasonMsg;
  [DomainEventId.CONTROL_ERROR]: DomainEventControlErrorMsg;
  [DomainEventId.BLOCK_JOB]: DomainEventBlockJobMsg;
  [DomainEventId.DISK_CHANGE]: DomainEventDiskChangeMsg;
  [DomainEventId.TRAY_CHANGE]: DomainEventTrayChangeMsg;
  [DomainEventId.PMWAKEUP]: DomainEventPmwakeupMsg;
  [DomainEventId.PMSUSPEND]: DomainEventPmsuspendMsg;
  [DomainEventId.BALLOON_CHANGE]: DomainEventBalloonChangeMsg;
  [DomainEventId.PMSUSPEND_DISK]: DomainEventPmsuspendDiskMsg;
  [DomainEventId.DEVICE_REMOVED]: DomainEventDeviceRemovedMsg;
  [DomainEventId.BLOCK_JOB_2]: Flat<DomainEventBlockJob2Msg>;
  [DomainEventId.TUNABLE]: Flat<DomainEventCallbackTunableMsg>;
  [DomainEventId.AGENT_LIFECYCLE]: Flat<DomainEventCallbackAgentLifecycleMsg>;
  [DomainEventId.DEVICE_ADDED]: Flat<DomainEventCallbackDeviceAddedMsg>;
  [DomainEventId.MIGRATION_ITERATION]: Flat<DomainEventCallbackMigrationIterationMsg>;
  [DomainEventId.JOB_COMPLETED]: Flat<DomainEventCallbackJobCompletedMsg>;
  [DomainEventId.DEVICE_REMOVAL_FAILED]: Flat<DomainEventCallbackDeviceRemovalFailedMsg>;
  [DomainEventId.METADATA_CHANGE]: Flat<DomainEventCallbackMetadataChangeMsg>;
  [DomainEventId.BLOCK_THRESHOLD]: Flat<DomainEventBlockThresholdMsg>;
}

export interface LibvirtConnectionOptions {
  /** How to reach the daemon; by default the one the URI names (unix socket, TLS or SSH). */
  dialer?: Dialer;
  /** Every call fails with LibvirtTimeoutError after this long (default 60 s). */
  callTimeoutMs?: number;
  /** Keepalive: ping after this much silence (default 5 s; 0 disables our pings). */
  keepaliveIntervalMs?: number;
  /** ...and drop the connection after this many silent intervals (default 5). */
  keepaliveCount?: number;
  /** Reconnect when the connection is lost (default true). Only a failed first open is final. */
  reconnect?: boolean;
  reconnectMaxDelayMs?: number;
  /** Limit on each call of the open handshake, kept apart from callTimeoutMs (default 15 s). */
  openTimeoutMs?: number;
}

export interface LibvirtConnectionEvents {
  /** The connection was lost; calls in flight failed. A reconnect follows unless disabled. */
  disconnect: [err: Error];
  /** Reconnected and event subscriptions registered again. Events in between were missed. */
  reconnect: [];
}

/** A live event registration; survives reconnects. */
export interface EventSubscription {
  readonly eventId: number;
  cancel(): Promise<void>;
}

type SubKind = 'domain' | 'network' | 'storagePool';

interface Subscription {
  kind: SubKind;
  eventId: number;
  target: Domain | Network | StoragePool | null;
  handler: (msg: never) => void;
  callbackId: number | null;
  cancelled: boolean;
}

const REGISTER = {
  domain: {
    proc: Procedure.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
    enc: (eventID: number, t: unknown) => x.encode(ConnectDomainEventCallbackRegisterAnyArgsCodec, { eventID, dom: t as Domain | null }),
    ret: ConnectDomainEventCallbackRegisterAnyRetCodec,
    deproc: Procedure.CONNECT_DOMAIN_EVENT_CALLBACK_DEREGISTER_ANY,
    deenc: (callbackID: number) => x.encode(ConnectDomainEventCallbackDeregisterAnyArgsCodec, { callbackID }),
  },
  network: {
    proc: Procedure.CONNECT_NETWORK_EVENT_REGISTER_ANY,
    enc: (eventID: number, t: unknown) => x.encode(ConnectNetworkEventRegisterAnyArgsCodec, { eventID, net: t as Network | null }),
    ret: ConnectNetworkEventRegisterAnyRetCodec,
    deproc: Procedure.CONNECT_NETWORK_EVENT_DEREGISTER_ANY,
    deenc: (callbackID: number) => x.encode(ConnectNetworkEventDeregisterAnyArgsCodec, { callbackID }),
  },
  storagePool: {
    proc: Procedure.CONNECT_STORAGE_POOL_EVENT_REGISTER_ANY,
    enc: (eventID: number, t: unknown) =>
      x.encode(ConnectStoragePoolEventRegisterAnyArgsCodec, { eventID, pool: t as StoragePool | null }),
    ret: ConnectStoragePoolEventRegisterAnyRetCodec,
    deproc: Procedure.CONNECT_STORAGE_POOL_EVENT_DEREGISTER_ANY,
    deenc: (callbackID: number) => x.encode(ConnectStoragePoolEventDeregisterAnyArgsCodec, { callbackID }),
  },
} as const;

/** VIR_DRV_FEATURE_PROGRAM_KEEPALIVE: asking for it makes the daemon ping us and answer our pings. */
const FEATURE_PROGRAM_KEEPALIVE = 10;
const REMOTE_AUTH_NONE = 0;
const REMOTE_AUTH_POLKIT = 2;
// Events that arrive before the reply carrying their callback id wait this long for it.
const ORPHAN_EVENT_TTL_MS = 5000;
const ORPHAN_EVENT_MAX = 1000;

/**
 * Shared state of one logical connection. LibvirtConnection objects are views on it that
 * differ only in their call timeout (see withTimeout).
 */
class ConnectionCore {
  rpc: RpcClient | null = null;
  ready: Promise<RpcClient>;
  closed = false;
  readonly emitter = new EventEmitter<LibvirtConnectionEvents>();
  readonly subs = new Set<Subscription>();
  private byCallbackId = new Map<number, Subscription>();
  private orphans: { at: number; callbackId: number; msg: unknown }[] = [];
  private closeWaiters = new Set<(err: Error) => void>();
  private reconnectTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly uri: LibvirtUri,
    readonly dialer: Dialer,
    readonly opts: Required<Omit<LibvirtConnectionOptions, 'dialer'>>,
  ) {
    this.ready = Promise.reject(new LibvirtConnectionError('not connected'));
    this.ready.catch(() => {});
  }

  async start(): Promise<void> {
    const rpc = await this.connectOnce();
    this.install(rpc);
  }

  /** Dials and runs libvirt's open handshake: AUTH_LIST, (AUTH_POLKIT), CONNECT_OPEN, keepalive. */
  private async connectOnce(): Promise<RpcClient> {
    const sock = await this.dialer.dial();
    const rpc = new RpcClient(sock, {
      keepaliveIntervalMs: this.opts.keepaliveIntervalMs,
      keepaliveCount: this.opts.keepaliveCount,
    });
    rpc.on('message', (p) => this.onMessage(rpc, p));
    const timeoutMs = this.opts.openTimeoutMs;
    const raw = (proc: number, body: Buffer) => rpc.call(REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, proc, body, { timeoutMs });
    try {
      const auths = x.decode(x.array(x.int), await raw(Procedure.AUTH_LIST, Buffer.alloc(0)));
      if (auths.includes(REMOTE_AUTH_POLKIT) && !auths.includes(REMOTE_AUTH_NONE)) {
        await raw(Procedure.AUTH_POLKIT, Buffer.alloc(0));
      } else if (auths.length > 0 && !auths.includes(REMOTE_AUTH_NONE)) {
        throw new LibvirtConnectionError(
          `${this.dialer.description} requires authentication types [${auths.join(', ')}]; only none and polkit are supported`,
        );
      }
      await raw(Procedure.CONNECT_OPEN, x.encode(x.struct<{ name: string | null; flags: number }>([
        ['name', x.optional(x.string())],
        ['flags', x.uint],
      ]), { name: this.uri.openName, flags: 0 }));
      const supported = x.decode(x.int, await raw(Procedure.CONNECT_SUPPORTS_FEATURE, x.encode(x.int, FEATURE_PROGRAM_KEEPALIVE)));
      if (supported === 1) rpc.startKeepalive();
      // Subscriptions (on reconnect) are registered before the connection is handed out, so
      // no caller sees a connection that silently lacks its events.
      for (const s of this.subs) if (!s.cancelled) await this.register(rpc, s);
      return rpc;
    } catch (err) {
      rpc.close('open handshake failed');
      throw err;
    }
  }

  private install(rpc: RpcClient): void {
    this.rpc = rpc;
    this.ready = Promise.resolve(rpc);
    rpc.once('close', (err) => this.onLost(rpc, err));
    if (rpc.closed) this.onLost(rpc, new LibvirtConnectionError('connection to libvirt lost during open'));
  }

  private onLost(rpc: RpcClient, err: LibvirtConnectionError): void {
    if (this.rpc !== rpc) return;
    this.rpc = null;
    this.byCallbackId = new Map();
    this.orphans = [];
    for (const s of this.subs) s.callbackId = null;
    if (this.closed) return;
    this.emitter.emit('disconnect', err);
    if (!this.opts.reconnect) {
      this.closed = true;
      this.ready = Promise.reject(err);
      this.ready.catch(() => {});
      return;
    }
    this.ready = this.reconnectLoop();
    this.ready.catch(() => {});
  }

  private async reconnectLoop(): Promise<RpcClient> {
    let delay = 50;
    for (;;) {
      if (this.closed) throw new LibvirtConnectionError('connection closed');
      try {
        const rpc = await this.connectOnce();
        if (this.closed) {
          rpc.close();
          throw new LibvirtConnectionError('connection closed');
        }
        this.install(rpc);
        this.emitter.emit('reconnect');
        return rpc;
      } catch (err) {
        if (this.closed) throw err;
      }
      await new Promise<void>((resolve) => {
        this.reconnectTimer = setTimeout(resolve, delay);
      });
      delay = Math.min(delay * 2, this.opts.reconnectMaxDelayMs);
    }
  }

  /** The live RpcClient, waiting for a reconnect within the caller's time budget. */
  rpcWithin(timeoutMs: number): Promise<RpcClient> {
    if (this.rpc) return Promise.resolve(this.rpc);
    if (this.closed) return Promise.reject(new LibvirtConnectionError('connection closed'));
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.closeWaiters.delete(onClose);
      };
      const onClose = (err: Error) => {
        done();
        reject(err);
      };
      const timer = setTimeout(() => {
        done();
        reject(new LibvirtTimeoutError(`libvirt at ${this.dialer.description} not reachable within ${timeoutMs} ms (reconnecting)`));
      }, timeoutMs);
      this.closeWaiters.add(onClose);
      this.ready.then(
        (rpc) => {
          done();
          resolve(rpc);
        },
        (err) => {
          done();
          reject(err);
        },
      );
    });
  }

  async register(rpc: RpcClient, s: Subscription): Promise<void> {
    const r = REGISTER[s.kind];
    const body = await rpc.call(REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, r.proc, r.enc(s.eventId, s.target), {
      timeoutMs: Math.max(this.opts.callTimeoutMs, this.opts.openTimeoutMs),
    });
    const { callbackID } = x.decode(r.ret, body);
    s.callbackId = callbackID;
    this.byCallbackId.set(callbackID, s);
    // Deliver what arrived for this callback before its id was known, in order.
    const mine = this.orphans.filter((o) => o.callbackId === callbackID);
    this.orphans = this.orphans.filter((o) => o.callbackId !== callbackID);
    for (const o of mine) this.deliver(s, o.msg);
  }

  async deregister(s: Subscription): Promise<void> {
    s.cancelled = true;
    this.subs.delete(s);
    const id = s.callbackId;
    if (id === null || !this.rpc) return;
    this.byCallbackId.delete(id);
    s.callbackId = null;
    const r = REGISTER[s.kind];
    await this.rpc.call(REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, r.deproc, r.deenc(id), { timeoutMs: this.opts.callTimeoutMs });
  }

  private onMessage(rpc: RpcClient, p: Packet): void {
    if (p.program !== REMOTE_PROGRAM) return;
    const codec = EVENT_CODECS[p.procedure];
    if (!codec) return;
    const msg = x.decode(codec, p.body);
    const sub = rpc === this.rpc || this.rpc === null ? this.byCallbackId.get(msg.callbackID) : undefined;
    if (sub) {
      this.deliver(sub, msg);
      return;
    }
    const now = Date.now();
    this.orphans = this.orphans.filter((o) => now - o.at < ORPHAN_EVENT_TTL_MS).slice(-ORPHAN_EVENT_MAX);
    this.orphans.push({ at: now, callbackId: msg.callbackID, msg });
  }

  private deliver(s: Subscription, raw: unknown): void {
    if (s.cancelled) return;
    // The callback variants of old events wrap the original message: { callbackID, msg }.
    const m = raw as Record<string, unknown>;
    let event: unknown;
    if ('msg' in m && Object.keys(m).length === 2) {
      event = m.msg;
    } else {
      const { callbackID: _ignored, ...rest } = m;
      event = rest;
    }
    try {
      (s.handler as (e: unknown) => void)(event);
    } catch (err) {
      process.emitWarning(`libvirt event handler threw: ${(err as Error).stack ?? err}`);
    }
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    const err = new LibvirtConnectionError('connection closed');
    for (const w of [...this.closeWaiters]) w(err);
    this.ready = Promise.reject(err);
    this.ready.catch(() => {});
    const rpc = this.rpc;
    this.rpc = null;
    rpc?.close();
  }
}

export class LibvirtConnection extends RemoteProcedures {
  private constructor(
    private readonly core: ConnectionCore,
    /** This view's call timeout. */
    readonly callTimeoutMs: number,
  ) {
    super();
  }

  /**
   * Opens a connection: `await LibvirtConnection.open('qemu:///system')`. Rejects if the first
   * attempt fails; later losses are repaired by reconnecting.
   */
  static async open(uri = 'qemu:///system', options: LibvirtConnectionOptions = {}): Promise<LibvirtConnection> {
    const parsed = parseLibvirtUri(uri);
    const opts = {
      callTimeoutMs: options.callTimeoutMs ?? 60_000,
      keepaliveIntervalMs: options.keepaliveIntervalMs ?? 5_000,
      keepaliveCount: options.keepaliveCount ?? 5,
      reconnect: options.reconnect ?? true,
      reconnectMaxDelayMs: options.reconnectMaxDelayMs ?? 2_000,
      openTimeoutMs: options.openTimeoutMs ?? 15_000,
    };
    const core = new ConnectionCore(parsed, options.dialer ?? dialerForUri(parsed), opts);
    await core.start();
    return new LibvirtConnection(core, opts.callTimeoutMs);
  }

  /**
   * Another connection to the same daemon, for long-running jobs (migration, snapshots, bulk
   * transfers): the daemon runs only a few calls per connection at once, and a download paused
   * by a slow reader holds up every other call on its connection.
   */
  openSibling(options: LibvirtConnectionOptions = {}): Promise<LibvirtConnection> {
    return LibvirtConnection.open(this.core.uri.uri, {
      dialer: this.core.dialer,
      ...this.core.opts,
      callTimeoutMs: this.callTimeoutMs,
      ...options,
    });
  }

  /** The same connection with a different call timeout, e.g. `conn.withTimeout(600_000).domainMigratePerform3Params(...)`. */
  withTimeout(ms: number): LibvirtConnection {
    return new LibvirtConnection(this.core, ms);
  }

  get uri(): string {
    return this.core.uri.uri;
  }

  /** Whether a live session exists right now (false while reconnecting). */
  get connected(): boolean {
    return this.core.rpc !== null;
  }

  on<K extends keyof LibvirtConnectionEvents>(event: K, listener: (...args: LibvirtConnectionEvents[K]) => void): this {
    this.core.emitter.on(event, listener as never);
    return this;
  }

  off<K extends keyof LibvirtConnectionEvents>(event: K, listener: (...args: LibvirtConnectionEvents[K]) => void): this {
    this.core.emitter.off(event, listener as never);
    return this;
  }

  once<K extends keyof LibvirtConnectionEvents>(event: K, listener: (...args: LibvirtConnectionEvents[K]) => void): this {
    this.core.emitter.once(event, listener as never);
    return this;
  }

  /** Closes the connection (CONNECT_CLOSE, then the socket). Pending calls fail. */
  async close(): Promise<void> {
    const rpc = this.core.rpc;
    if (rpc && !this.core.closed) {
      await rpc
        .call(REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, Procedure.CONNECT_CLOSE, Buffer.alloc(0), { timeoutMs: 2_000 })
        .catch(() => {});
    }
    this.core.close();
  }

  protected async call<A, R>(proc: number, argsCodec: x.Codec<A>, args: A, retCodec: x.Codec<R>): Promise<R> {
    const body = x.encode(argsCodec, args);
    const start = Date.now();
    const rpc = await this.core.rpcWithin(this.callTimeoutMs);
    const left = Math.max(1, this.callTimeoutMs - (Date.now() - start));
    const reply = await rpc
      .call(REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, proc, body, { timeoutMs: left, budgetMs: this.callTimeoutMs, name: procedureName(proc) })
      .catch((err) => {
        if (err instanceof LibvirtError && !err.procedure) err.procedure = procedureName(proc);
        throw err;
      });
    return x.decode(retCodec, reply);
  }

  // --- events ------------------------------------------------------------------------------

  /**
   * Subscribes to a domain event (CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY), for one domain
   * or all (dom = null). Events are routed by the daemon's callback id; those that arrive before
   * the registration's reply are held and delivered once it comes. The subscription is
   * registered again after a reconnect.
   */
  domainEventRegister<K extends keyof DomainEventMap>(
    eventId: K,
    handler: (event: DomainEventMap[K]) => void,
    dom: Domain | null = null,
  ): Promise<EventSubscription> {
    return this.subscribe('domain', eventId, handler, dom);
  }

  /** Subscribes to network lifecycle events (defined, undefined, started, stopped). */
  networkEventRegister(handler: (event: Flat<NetworkEventLifecycleMsg>) => void, net: Network | null = null): Promise<EventSubscription> {
    return this.subscribe('network', 0, handler, net);
  }

  /** Subscribes to storage pool lifecycle events. */
  storagePoolEventRegister(
    handler: (event: Flat<StoragePoolEventLifecycleMsg>) => void,
    pool: StoragePool | null = null,
  ): Promise<EventSubscription> {
    return this.subscribe('storagePool', 0, handler, pool);
  }

  private async subscribe(kind: SubKind, eventId: number, handler: (e: never) => void, target: Subscription['target']): Promise<EventSubscription> {
    const s: Subscription = { kind, eventId, target, handler, callbackId: null, cancelled: false };
    const rpc = await this.core.rpcWithin(this.callTimeoutMs);
    this.core.subs.add(s);
    try {
      await this.core.register(rpc, s);
    } catch (err) {
      this.core.subs.delete(s);
      throw err;
    }
    return { eventId, cancel: () => this.core.deregister(s) };
  }

  // --- streams -----------------------------------------------------------------------------

  private async openStream<A>(proc: number, argsCodec: x.Codec<A>, args: A, stream: LibvirtStream): Promise<Buffer> {
    const start = Date.now();
    const rpc = await this.core.rpcWithin(this.callTimeoutMs);
    const left = Math.max(1, this.callTimeoutMs - (Date.now() - start));
    const { serial, reply } = rpc.start(REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, proc, x.encode(argsCodec, args), {
      timeoutMs: left,
      budgetMs: this.callTimeoutMs,
      name: procedureName(proc),
      stream,
    });
    stream.bind(rpc, REMOTE_PROGRAM, REMOTE_PROTOCOL_VERSION, proc, serial);
    try {
      return await reply;
    } catch (err) {
      stream.destroy();
      throw err;
    }
  }

  /**
   * Uploads `source` into a volume (virStorageVolUpload) and resolves once the daemon has
   * confirmed the end of the stream. With `sparse`, runs of zeros travel as holes (the volume's
   * backend must support sparse streams, as dir and fs pools do). Socket backpressure is
   * honoured: the source is read only as fast as the daemon takes the data.
   */
  async storageVolUpload(
    vol: StorageVol,
    source: Readable | AsyncIterable<Uint8Array>,
    opts: { offset?: bigint; length?: bigint; sparse?: boolean; flags?: number } = {},
  ): Promise<void> {
    const stream = new LibvirtStream({
      readable: false,
      writable: true,
      sendHoles: opts.sparse,
      finishTimeoutMs: this.callTimeoutMs,
    });
    const flags = (opts.flags ?? 0) | (opts.sparse ? 1 : 0);
    await this.openStream(
      Procedure.STORAGE_VOL_UPLOAD,
      StorageVolUploadArgsCodec,
      { vol, offset: opts.offset ?? 0n, length: opts.length ?? 0n, flags },
      stream,
    );
    await pipeline(source, stream);
  }

  /**
   * Downloads a volume (virStorageVolDownload) as a Readable that ends after the end-of-stream
   * handshake. With `sparse`, the daemon sends holes instead of zeros; they are read as zeros
   * and counted in `stream.holeBytes`. Reading slowly pauses the whole connection (see
   * openSibling).
   */
  async storageVolDownload(
    vol: StorageVol,
    opts: { offset?: bigint; length?: bigint; sparse?: boolean; flags?: number } = {},
  ): Promise<LibvirtStream> {
    const stream = new LibvirtStream({ readable: true, writable: false, finishTimeoutMs: this.callTimeoutMs });
    const flags = (opts.flags ?? 0) | (opts.sparse ? 1 : 0);
    await this.openStream(
      Procedure.STORAGE_VOL_DOWNLOAD,
      StorageVolDownloadArgsCodec,
      { vol, offset: opts.offset ?? 0n, length: opts.length ?? 0n, flags },
      stream,
    );
    return stream;
  }

  /**
   * Opens a domain's console (virDomainOpenConsole) as a Duplex: read the guest's output,
   * write its input; destroy() detaches. devName null means the first console.
   */
  async domainOpenConsole(dom: Domain, devName: string | null = null, flags = 0): Promise<LibvirtStream> {
    const stream = new LibvirtStream({ readable: true, writable: true, finishTimeoutMs: this.callTimeoutMs });
    await this.openStream(Procedure.DOMAIN_OPEN_CONSOLE, DomainOpenConsoleArgsCodec, { dom, devName, flags }, stream);
    return stream;
  }

  /** Takes a screenshot (virDomainScreenshot): the image bytes and their MIME type (PPM or PNG). */
  async domainScreenshot(dom: Domain, screen = 0, flags = 0): Promise<{ mimeType: string | null; data: Buffer }> {
    const stream = new LibvirtStream({ readable: true, writable: false, finishTimeoutMs: this.callTimeoutMs });
    const reply = await this.openStream(Procedure.DOMAIN_SCREENSHOT, DomainScreenshotArgsCodec, { dom, screen, flags }, stream);
    const { mime } = x.decode(DomainScreenshotRetCodec, reply);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return { mimeType: mime, data: Buffer.concat(chunks) };
  }
}

const procNames = new Map<number, string>(Object.entries(Procedure).map(([k, v]) => [v, k]));
function procedureName(proc: number): string {
  return procNames.get(proc) ?? String(proc);
}

// One libvirt RPC session over one byte stream: serials, replies matched out of order, stream
// packets routed by serial, event messages handed up, keepalive. It never reconnects; the
// LibvirtConnection above it does, with a fresh RpcClient.
import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { LibvirtConnectionError, LibvirtError, LibvirtTimeoutError } from './libvirt-error.js';
import {
  encodePacket,
  KEEPALIVE_PROGRAM,
  KEEPALIVE_VERSION,
  KeepaliveProcedure,
  PacketReader,
  PacketStatus,
  PacketType,
  type Packet,
} from './packet.js';
import { RemoteErrorCodec } from './remote-protocol.js';
import * as x from './xdr.js';

/** virnetprotocol.x virNetStreamHole: a run of zeros in a sparse stream. */
export const StreamHoleCodec = x.struct<{ length: bigint; flags: number }>([
  ['length', x.hyper],
  ['flags', x.uint],
]);

/** Receives the stream packets that follow a stream call's reply. */
export interface StreamSink {
  /** A STREAM/CONTINUE packet with data. */
  onData(data: Buffer): void;
  /** An empty STREAM/CONTINUE: the daemon has no more data. */
  onEnd(): void;
  /** A STREAM_HOLE packet (sparse streams). */
  onHole(length: bigint): void;
  /** STREAM/OK: the daemon confirmed the end-of-stream handshake. */
  onFinish(): void;
  /** STREAM/ERROR from the daemon, or the connection died. */
  onError(err: Error): void;
}

export interface RpcClientOptions {
  /** Send a keepalive PING after this much silence from the daemon; 0 disables. */
  keepaliveIntervalMs?: number;
  /** Drop the connection after this many unanswered intervals. */
  keepaliveCount?: number;
}

export interface CallOptions {
  timeoutMs: number;
  /** Procedure name for error messages. */
  name?: string;
  /** The caller's whole budget, for the error message, when timeoutMs is what is left of it. */
  budgetMs?: number;
  /** Registered before the call is sent, so no stream packet can slip past it. */
  stream?: StreamSink;
}

interface Pending {
  resolve(body: Buffer): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout | undefined;
  procedure: number;
}

export interface RpcClientEvents {
  message: [packet: Packet];
  close: [err: LibvirtConnectionError];
}

export class RpcClient extends EventEmitter<RpcClientEvents> {
  private serial = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly streams = new Map<number, StreamSink>();
  private readonly reader = new PacketReader();
  private closedWith: LibvirtConnectionError | null = null;
  private lastReceived = Date.now();
  private keepaliveTimer: NodeJS.Timeout | undefined;
  private keepaliveEnabled = false;
  private readonly inputPausers = new Set<unknown>();

  constructor(
    private readonly sock: Duplex,
    private readonly opts: RpcClientOptions = {},
  ) {
    super();
    sock.on('data', (chunk: Buffer) => this.onData(chunk));
    sock.on('error', (err) => this.shutdown(new LibvirtConnectionError(`connection to libvirt lost: ${err.message}`, { cause: err })));
    sock.on('close', () => this.shutdown(new LibvirtConnectionError('connection to libvirt lost: the daemon closed the connection')));
    sock.on('end', () => sock.end());
    // Dialers may hand over a paused stream (TLS pauses after reading the confirmation byte).
    sock.resume();
  }

  get closed(): boolean {
    return this.closedWith !== null;
  }

  get inFlight(): number {
    return this.pending.size;
  }

  /**
   * Starts our side of keepalive: a PING after each silent interval, and the connection is
   * dropped once keepaliveCount intervals pass with nothing from the daemon. This is what
   * turns a half-open TCP connection into a failed call instead of a hang.
   */
  startKeepalive(): void {
    const interval = this.opts.keepaliveIntervalMs ?? 5000;
    if (interval <= 0 || this.keepaliveEnabled || this.closed) return;
    this.keepaliveEnabled = true;
    const count = this.opts.keepaliveCount ?? 5;
    this.keepaliveTimer = setInterval(() => {
      const silent = Date.now() - this.lastReceived;
      if (silent >= interval * (count + 1)) {
        this.shutdown(new LibvirtConnectionError(`connection to libvirt lost: no keepalive response for ${silent} ms`));
        this.sock.destroy();
      } else if (silent >= interval) {
        this.sendRaw(KEEPALIVE_PROGRAM, KEEPALIVE_VERSION, KeepaliveProcedure.PING, PacketType.MESSAGE, 0, PacketStatus.OK);
      }
    }, interval);
    this.keepaliveTimer.unref();
  }

  /** Sends a call and resolves with the reply body; rejects with LibvirtError on an error reply. */
  call(program: number, version: number, procedure: number, body: Buffer, opts: CallOptions): Promise<Buffer> {
    return this.start(program, version, procedure, body, opts).reply;
  }

  /** Like call(), also giving the serial that the call's stream packets carry. */
  start(
    program: number,
    version: number,
    procedure: number,
    body: Buffer,
    opts: CallOptions,
  ): { serial: number; reply: Promise<Buffer> } {
    if (this.closedWith) return { serial: 0, reply: Promise.reject(this.closedWith) };
    const serial = this.nextSerial();
    const reply = new Promise<Buffer>((resolve, reject) => {
      const p: Pending = { resolve, reject, timer: undefined, procedure };
      if (opts.timeoutMs > 0 && Number.isFinite(opts.timeoutMs)) {
        p.timer = setTimeout(() => {
          this.pending.delete(serial);
          // A stream whose call timed out is abandoned; late packets for it are dropped.
          const sink = this.streams.get(serial);
          this.streams.delete(serial);
          const err = new LibvirtTimeoutError(`libvirt call ${opts.name ?? procedure} timed out after ${opts.budgetMs ?? opts.timeoutMs} ms`);
          sink?.onError(err);
          reject(err);
        }, opts.timeoutMs);
      }
      this.pending.set(serial, p);
      if (opts.stream) this.streams.set(serial, opts.stream);
      this.sendRaw(program, version, procedure, PacketType.CALL, serial, PacketStatus.OK, body);
    });
    return { serial, reply };
  }

  /**
   * Sends a stream packet for the call with this serial. Returns false when the socket's
   * buffer is full: wait for drained() before sending more.
   */
  sendStream(program: number, version: number, procedure: number, serial: number, status: number, data?: Uint8Array): boolean {
    return this.sendRaw(program, version, procedure, PacketType.STREAM, serial, status, data);
  }

  sendStreamHole(program: number, version: number, procedure: number, serial: number, length: bigint): boolean {
    const body = x.encode(StreamHoleCodec, { length, flags: 0 });
    return this.sendRaw(program, version, procedure, PacketType.STREAM_HOLE, serial, PacketStatus.CONTINUE, body);
  }

  /** Forgets a stream (after abort): later packets for its serial are dropped. */
  dropStream(serial: number): void {
    this.streams.delete(serial);
  }

  /** Resolves when the socket can take more data, rejects if the connection dies first. */
  drained(): Promise<void> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    if (!this.sock.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onDrain = () => {
        this.off('close', onClose);
        resolve();
      };
      const onClose = (err: LibvirtConnectionError) => {
        this.sock.off('drain', onDrain);
        reject(err);
      };
      this.sock.once('drain', onDrain);
      this.once('close', onClose);
    });
  }

  /**
   * Read-side backpressure for download streams: while any holder pauses input, nothing is
   * read from the socket, so a slow consumer slows the daemon instead of filling memory.
   * Every call on this connection waits meanwhile; big transfers belong on their own connection.
   */
  pauseInput(holder: unknown): void {
    this.inputPausers.add(holder);
    this.sock.pause();
  }

  resumeInput(holder: unknown): void {
    this.inputPausers.delete(holder);
    if (this.inputPausers.size === 0) this.sock.resume();
  }

  /** Closes the socket; pending calls fail with a "closed" error. */
  close(reason = 'connection closed'): void {
    this.shutdown(new LibvirtConnectionError(reason));
    this.sock.destroy();
  }

  private nextSerial(): number {
    const s = this.serial;
    this.serial = this.serial >= 0xffffffff ? 1 : this.serial + 1;
    return s;
  }

  private sendRaw(
    program: number,
    version: number,
    procedure: number,
    type: number,
    serial: number,
    status: number,
    body?: Uint8Array,
  ): boolean {
    if (this.closedWith) return false;
    return this.sock.write(encodePacket({ program, version, procedure, type, serial, status }, body));
  }

  private onData(chunk: Buffer): void {
    this.lastReceived = Date.now();
    let packets: Packet[];
    try {
      packets = this.reader.push(chunk);
    } catch (err) {
      this.shutdown(new LibvirtConnectionError(`libvirt protocol error: ${(err as Error).message}`));
      this.sock.destroy();
      return;
    }
    for (const p of packets) {
      try {
        this.dispatch(p);
      } catch (err) {
        // A handler bug must not take the connection down with it.
        process.emitWarning(`libvirt: error handling packet (proc ${p.procedure}, type ${p.type}): ${(err as Error).stack}`);
      }
    }
  }

  private dispatch(p: Packet): void {
    if (p.program === KEEPALIVE_PROGRAM) {
      if (p.procedure === KeepaliveProcedure.PING) {
        this.sendRaw(KEEPALIVE_PROGRAM, KEEPALIVE_VERSION, KeepaliveProcedure.PONG, PacketType.MESSAGE, 0, PacketStatus.OK);
      }
      return;
    }
    switch (p.type) {
      case PacketType.REPLY:
      case PacketType.REPLY_WITH_FDS: {
        const pending = this.pending.get(p.serial);
        if (!pending) return; // timed out earlier
        this.pending.delete(p.serial);
        clearTimeout(pending.timer);
        if (p.status === PacketStatus.OK) {
          pending.resolve(p.body);
        } else {
          this.streams.delete(p.serial);
          pending.reject(decodeError(p.body));
        }
        return;
      }
      case PacketType.MESSAGE:
        this.emit('message', p);
        return;
      case PacketType.STREAM: {
        const sink = this.streams.get(p.serial);
        if (!sink) return;
        if (p.status === PacketStatus.CONTINUE) {
          if (p.body.length === 0) sink.onEnd();
          else sink.onData(p.body);
        } else if (p.status === PacketStatus.OK) {
          this.streams.delete(p.serial);
          sink.onFinish();
        } else {
          this.streams.delete(p.serial);
          sink.onError(decodeError(p.body));
        }
        return;
      }
      case PacketType.STREAM_HOLE: {
        const sink = this.streams.get(p.serial);
        if (sink) sink.onHole(x.decode(StreamHoleCodec, p.body).length);
        return;
      }
    }
  }

  private shutdown(err: LibvirtConnectionError): void {
    if (this.closedWith) return;
    this.closedWith = err;
    clearInterval(this.keepaliveTimer);
    const pending = [...this.pending.values()];
    const streams = [...this.streams.values()];
    this.pending.clear();
    this.streams.clear();
    for (const p of pending) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    for (const s of streams) s.onError(err);
    this.emit('close', err);
  }
}

function decodeError(body: Buffer): LibvirtError {
  try {
    return new LibvirtError(x.decode(RemoteErrorCodec, body));
  } catch {
    return new LibvirtError({ code: 1, domain: 0, level: 2, message: 'libvirt sent an undecodable error' });
  }
}

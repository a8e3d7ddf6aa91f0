// A libvirt stream (virStream) as a Node Duplex: the STREAM packets that follow a stream call's
// reply. Reading: STREAM/CONTINUE data until an empty CONTINUE, then we send STREAM/OK and
// wait for the daemon's STREAM/OK. Writing: our CONTINUE packets, then STREAM/OK both ways.
// Aborting sends STREAM/ERROR, as virStreamAbort does.
import { Duplex } from 'node:stream';
import { LibvirtTimeoutError } from './libvirt-error.js';
import { PacketStatus, STREAM_CHUNK_SIZE } from './packet.js';
import type { RpcClient, StreamSink } from './rpc-client.js';

export interface LibvirtStreamOptions {
  readable: boolean;
  writable: boolean;
  /** Writing: send runs of zeros as STREAM_HOLE packets (the call must ask for a sparse stream). */
  sendHoles?: boolean;
  /** How long the end-of-stream handshake may take. */
  finishTimeoutMs: number;
}

const ZEROS = Buffer.alloc(STREAM_CHUNK_SIZE);
const isZero = (b: Buffer) => b.equals(b.length === ZEROS.length ? ZEROS : ZEROS.subarray(0, b.length));

export class LibvirtStream extends Duplex implements StreamSink {
  private rpc: RpcClient | null = null;
  private program = 0;
  private version = 0;
  private procedure = 0;
  private serial = 0;
  private finished = false;
  private finishWaiter: ((err?: Error) => void) | null = null;
  private pendingError: Error | null = null;
  private early: (() => void)[] = [];
  /** Bytes the daemon skipped as holes (sparse reads); the data pushed includes them as zeros. */
  holeBytes = 0n;

  constructor(private readonly opts: LibvirtStreamOptions) {
    // `readable: false` / `writable: false` end the unused side up front (Node >= 15; missing
    // from @types/node's DuplexOptions).
    super({ highWaterMark: 4 * STREAM_CHUNK_SIZE, ...({ readable: opts.readable, writable: opts.writable } as object) });
  }

  /** Ties the stream to its call, right after the call is sent. */
  bind(rpc: RpcClient, program: number, version: number, procedure: number, serial: number): void {
    this.rpc = rpc;
    this.program = program;
    this.version = version;
    this.procedure = procedure;
    this.serial = serial;
    for (const f of this.early.splice(0)) f();
  }

  // --- StreamSink: packets from the daemon -------------------------------------------------

  onData(data: Buffer): void {
    if (!this.opts.readable || this.destroyed) return;
    if (!this.push(data)) this.rpc?.pauseInput(this);
  }

  onHole(length: bigint): void {
    if (!this.opts.readable || this.destroyed) return;
    this.holeBytes += length;
    // Consumers of a Readable expect the bytes; a hole reads as zeros.
    let left = length;
    while (left > 0n) {
      const n = left > BigInt(ZEROS.length) ? ZEROS.length : Number(left);
      this.push(ZEROS.subarray(0, n));
      left -= BigInt(n);
    }
    if (this.readableLength > this.readableHighWaterMark) this.rpc?.pauseInput(this);
  }

  onEnd(): void {
    // The daemon has sent everything: confirm with STREAM/OK and wait for its STREAM/OK.
    this.send(PacketStatus.OK);
    this.armFinishTimer();
  }

  onFinish(): void {
    this.finished = true;
    this.rpc?.resumeInput(this);
    if (this.opts.readable) this.push(null);
    const w = this.finishWaiter;
    this.finishWaiter = null;
    w?.();
  }

  onError(err: Error): void {
    this.finished = true;
    this.rpc?.resumeInput(this);
    const w = this.finishWaiter;
    this.finishWaiter = null;
    if (w) w(err);
    else if (!this.destroyed) this.destroy(err);
    else this.pendingError = err;
  }

  // --- Duplex ------------------------------------------------------------------------------

  override _read(): void {
    this.rpc?.resumeInput(this);
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    if (!this.rpc) {
      this.early.push(() => this._write(chunk, _enc, cb));
      return;
    }
    if (this.finished) {
      cb(this.pendingError ?? new Error('libvirt stream already finished'));
      return;
    }
    let ok = true;
    for (let off = 0; off < chunk.length; off += STREAM_CHUNK_SIZE) {
      const piece = chunk.subarray(off, Math.min(off + STREAM_CHUNK_SIZE, chunk.length));
      if (this.opts.sendHoles && isZero(piece)) {
        ok = this.rpc.sendStreamHole(this.program, this.version, this.procedure, this.serial, BigInt(piece.length));
      } else {
        ok = this.send(PacketStatus.CONTINUE, piece);
      }
    }
    if (ok) cb();
    else this.rpc.drained().then(() => cb(), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    if (!this.opts.writable) return cb();
    if (!this.rpc) {
      this.early.push(() => this._final(cb));
      return;
    }
    if (this.finished) return cb(this.pendingError);
    this.finishWaiter = (err) => cb(err ?? null);
    this.send(PacketStatus.OK);
    this.armFinishTimer();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (!this.finished && this.rpc) {
      // virStreamAbort: tell the daemon to stop, forget the serial, and let the socket flow.
      this.finished = true;
      this.send(PacketStatus.ERROR);
      this.rpc.dropStream(this.serial);
      this.rpc.resumeInput(this);
    }
    cb(err);
  }

  private armFinishTimer(): void {
    const t = setTimeout(() => {
      if (!this.finished) {
        this.onError(new LibvirtTimeoutError(`libvirt stream did not finish within ${this.opts.finishTimeoutMs} ms`));
      }
    }, this.opts.finishTimeoutMs);
    t.unref();
  }

  private send(status: number, data?: Uint8Array): boolean {
    if (!this.rpc) return true;
    return this.rpc.sendStream(this.program, this.version, this.procedure, this.serial, status, data);
  }
}

// XDR (RFC 4506) as libvirt's rpcgen output uses it. Codecs are small composable values so
// the generated protocol declarations (remote-protocol.ts) stay plain data, the way go-libvirt
// keeps its generated code apart from the hand-written transport.

export class XdrError extends Error {
  override name = 'XdrError';
}

/** Appends XDR items to a growing buffer. */
export class XdrWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(initialSize = 256) {
    this.buf = Buffer.allocUnsafe(initialSize);
  }

  get length(): number {
    return this.pos;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  int(v: number): void {
    if (!Number.isInteger(v) || v < -0x80000000 || v > 0x7fffffff) throw new XdrError(`int out of range: ${v}`);
    this.reserve(4);
    this.buf.writeInt32BE(v, this.pos);
    this.pos += 4;
  }

  uint(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new XdrError(`unsigned int out of range: ${v}`);
    this.reserve(4);
    this.buf.writeUInt32BE(v, this.pos);
    this.pos += 4;
  }

  hyper(v: bigint): void {
    this.reserve(8);
    this.buf.writeBigInt64BE(BigInt.asIntN(64, BigInt(v)), this.pos);
    this.pos += 8;
  }

  uhyper(v: bigint): void {
    this.reserve(8);
    this.buf.writeBigUInt64BE(BigInt.asUintN(64, BigInt(v)), this.pos);
    this.pos += 8;
  }

  double(v: number): void {
    this.reserve(8);
    this.buf.writeDoubleBE(v, this.pos);
    this.pos += 8;
  }

  /** Raw bytes followed by zero padding to a multiple of four. */
  fixedOpaque(data: Uint8Array): void {
    const padded = (data.length + 3) & ~3;
    this.reserve(padded);
    this.buf.set(data, this.pos);
    this.buf.fill(0, this.pos + data.length, this.pos + padded);
    this.pos += padded;
  }

  opaque(data: Uint8Array): void {
    this.uint(data.length);
    this.fixedOpaque(data);
  }

  string(s: string): void {
    this.opaque(Buffer.from(s, 'utf8'));
  }

  /** A copy of the bytes written so far. */
  toBuffer(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.pos));
  }

  /** The bytes written so far, without copying (valid until the next write). */
  view(): Buffer {
    return this.buf.subarray(0, this.pos);
  }
}

/** Reads XDR items from a buffer, failing loudly on truncation. */
export class XdrReader {
  private pos: number;

  constructor(
    private readonly buf: Buffer,
    offset = 0,
  ) {
    this.pos = offset;
  }

  get offset(): number {
    return this.pos;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) {
      throw new XdrError(`truncated XDR data: need ${n} bytes at offset ${this.pos}, have ${this.buf.length - this.pos}`);
    }
  }

  int(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  uint(): number {
    this.need(4);
    const v = this.buf.readUInt32BE(this.pos);
    this.pos += 4;
    return v;
  }

  hyper(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  uhyper(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64BE(this.pos);
    this.pos += 8;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.buf.readDoubleBE(this.pos);
    this.pos += 8;
    return v;
  }

  fixedOpaque(n: number): Buffer {
    const padded = (n + 3) & ~3;
    this.need(padded);
    const out = Buffer.from(this.buf.subarray(this.pos, this.pos + n));
    this.pos += padded;
    return out;
  }

  opaque(max = Infinity): Buffer {
    const n = this.uint();
    if (n > max) throw new XdrError(`opaque length ${n} exceeds maximum ${max}`);
    return this.fixedOpaque(n);
  }

  string(max = Infinity): string {
    return this.opaque(max).toString('utf8');
  }
}

/** Encoder and decoder of one XDR type. */
export interface Codec<T> {
  enc(w: XdrWriter, v: T): void;
  dec(r: XdrReader): T;
}

export type CodecType<C> = C extends Codec<infer T> ? T : never;

export const int: Codec<number> = { enc: (w, v) => w.int(v), dec: (r) => r.int() };
export const uint: Codec<number> = { enc: (w, v) => w.uint(v), dec: (r) => r.uint() };
export const hyper: Codec<bigint> = { enc: (w, v) => w.hyper(v), dec: (r) => r.hyper() };
export const uhyper: Codec<bigint> = { enc: (w, v) => w.uhyper(v), dec: (r) => r.uhyper() };
export const double: Codec<number> = { enc: (w, v) => w.double(v), dec: (r) => r.double() };
// XDR bool is an int restricted to 0 and 1.
export const bool: Codec<boolean> = {
  enc: (w, v) => w.int(v ? 1 : 0),
  dec: (r) => {
    const v = r.int();
    if (v !== 0 && v !== 1) throw new XdrError(`invalid bool ${v}`);
    return v === 1;
  },
};
// rpcgen widens char, short and their unsigned forms to a full 4-byte XDR int.
export const char = int;
export const uchar = uint;
export const short = int;
export const ushort = uint;
export const voidCodec: Codec<void> = { enc: () => {}, dec: () => undefined };

export function string(max = Infinity): Codec<string> {
  return {
    enc: (w, v) => {
      const b = Buffer.from(v, 'utf8');
      if (b.length > max) throw new XdrError(`string length ${b.length} exceeds maximum ${max}`);
      w.opaque(b);
    },
    dec: (r) => r.string(max),
  };
}

export function opaque(max = Infinity): Codec<Buffer> {
  return {
    enc: (w, v) => {
      if (v.length > max) throw new XdrError(`opaque length ${v.length} exceeds maximum ${max}`);
      w.opaque(v);
    },
    dec: (r) => r.opaque(max),
  };
}

export function fixedOpaque(n: number): Codec<Buffer> {
  return {
    enc: (w, v) => {
      if (v.length !== n) throw new XdrError(`fixed opaque needs ${n} bytes, got ${v.length}`);
      w.fixedOpaque(v);
    },
    dec: (r) => r.fixedOpaque(n),
  };
}

/**
 * rpcgen's `char name[N]`: N chars of 4 bytes each. libvirt uses it for C strings such as
 * virNodeInfo.model, so it maps to a string cut at the first NUL.
 */
export function charString(n: number): Codec<string> {
  return {
    enc: (w, v) => {
      const b = Buffer.from(v, 'utf8');
      if (b.length > n) throw new XdrError(`char[${n}] cannot hold ${b.length} bytes`);
      for (let i = 0; i < n; i++) w.int(i < b.length ? (b[i] << 24) >> 24 : 0);
    },
    dec: (r) => {
      const b = Buffer.alloc(n);
      for (let i = 0; i < n; i++) b[i] = r.int() & 0xff;
      const nul = b.indexOf(0);
      return b.subarray(0, nul < 0 ? n : nul).toString('utf8');
    },
  };
}

export function array<T>(item: Codec<T>, max = Infinity): Codec<T[]> {
  return {
    enc: (w, v) => {
      if (v.length > max) throw new XdrError(`array length ${v.length} exceeds maximum ${max}`);
      w.uint(v.length);
      for (const x of v) item.enc(w, x);
    },
    dec: (r) => {
      const n = r.uint();
      if (n > max) throw new XdrError(`array length ${n} exceeds maximum ${max}`);
      // Each item takes at least 4 bytes: refuse lengths the remaining data cannot hold
      // rather than allocating a huge array from a corrupt count.
      if (n > r.remaining / 4 + 1) throw new XdrError(`array length ${n} exceeds the data left`);
      const out = new Array<T>(n);
      for (let i = 0; i < n; i++) out[i] = item.dec(r);
      return out;
    },
  };
}

export function fixedArray<T>(item: Codec<T>, n: number): Codec<T[]> {
  return {
    enc: (w, v) => {
      if (v.length !== n) throw new XdrError(`fixed array needs ${n} items, got ${v.length}`);
      for (const x of v) item.enc(w, x);
    },
    dec: (r) => {
      const out = new Array<T>(n);
      for (let i = 0; i < n; i++) out[i] = item.dec(r);
      return out;
    },
  };
}

/** XDR optional-data (`T *name`): a bool then the value when present. */
export function optional<T>(item: Codec<T>): Codec<T | null> {
  return {
    enc: (w, v) => {
      if (v === null || v === undefined) {
        w.int(0);
      } else {
        w.int(1);
        item.enc(w, v);
      }
    },
    dec: (r) => (bool.dec(r) ? item.dec(r) : null),
  };
}

type Fields<T> = { [K in keyof T]: readonly [K, Codec<T[K]>] }[keyof T][];

/** A struct: fields in wire order. */
export function struct<T extends object>(fields: Fields<T>): Codec<T> {
  const list = fields as unknown as [string, Codec<unknown>][];
  return {
    enc: (w, v) => {
      const obj = v as Record<string, unknown>;
      for (const [name, c] of list) {
        try {
          c.enc(w, obj[name]);
        } catch (err) {
          if (err instanceof XdrError) throw new XdrError(`${name}: ${err.message}`);
          throw err;
        }
      }
    },
    dec: (r) => {
      const obj: Record<string, unknown> = {};
      for (const [name, c] of list) obj[name] = c.dec(r);
      return obj as T;
    },
  };
}

/**
 * A discriminated union (`union switch (int type)`), as a `{ type, value }` pair. Arms not
 * listed are errors: libvirt declares no default arms.
 */
export function union<T extends { type: number; value: unknown }>(arms: Record<number, Codec<unknown>>): Codec<T> {
  return {
    enc: (w, v) => {
      const arm = arms[v.type];
      if (!arm) throw new XdrError(`union has no arm ${v.type}`);
      w.int(v.type);
      arm.enc(w, v.value);
    },
    dec: (r) => {
      const type = r.int();
      const arm = arms[type];
      if (!arm) throw new XdrError(`union has no arm ${type}`);
      return { type, value: arm.dec(r) } as T;
    },
  };
}

/** Lets a codec refer to one declared later (recursive types). */
export function lazy<T>(get: () => Codec<T>): Codec<T> {
  return { enc: (w, v) => get().enc(w, v), dec: (r) => get().dec(r) };
}

export function encode<T>(codec: Codec<T>, v: T): Buffer {
  const w = new XdrWriter();
  codec.enc(w, v);
  return w.toBuffer();
}

/** Decodes a whole buffer; trailing bytes are an error, they mean a layout mismatch. */
export function decode<T>(codec: Codec<T>, buf: Buffer, offset = 0): T {
  const r = new XdrReader(buf, offset);
  const v = codec.dec(r);
  if (r.remaining !== 0) throw new XdrError(`${r.remaining} trailing bytes after XDR value`);
  return v;
}

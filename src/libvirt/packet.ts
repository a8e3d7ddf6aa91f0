// libvirt RPC framing (src/rpc/virnetprotocol.x): a 4-byte big-endian length that counts
// itself, a header of six uint32 and an XDR body.

export const PacketType = {
  CALL: 0,
  REPLY: 1,
  MESSAGE: 2,
  STREAM: 3,
  CALL_WITH_FDS: 4,
  REPLY_WITH_FDS: 5,
  STREAM_HOLE: 6,
} as const;

export const PacketStatus = {
  OK: 0,
  ERROR: 1,
  CONTINUE: 2,
} as const;

export const KEEPALIVE_PROGRAM = 0x6b656570; // 'keep'
export const KEEPALIVE_VERSION = 1;
export const KeepaliveProcedure = { PING: 1, PONG: 2 } as const;

export const HEADER_SIZE = 24;
const LEN_SIZE = 4;
/** virnetprotocol.x VIR_NET_MESSAGE_MAX: the daemon drops a client that sends more. */
export const MAX_PACKET_SIZE = 33554432;
/**
 * The stream payload size libvirt's own client uses (VIR_NET_MESSAGE_LEGACY_PAYLOAD_MAX):
 * bigger chunks would be accepted but gain nothing and delay other calls on the socket.
 */
export const STREAM_CHUNK_SIZE = 262120;

export interface PacketHeader {
  program: number;
  version: number;
  procedure: number;
  type: number;
  serial: number;
  status: number;
}

export interface Packet extends PacketHeader {
  body: Buffer;
}

/** One framed packet: length, header and body. */
export function encodePacket(h: PacketHeader, body?: Uint8Array): Buffer {
  const bodyLen = body?.length ?? 0;
  const buf = Buffer.allocUnsafe(LEN_SIZE + HEADER_SIZE + bodyLen);
  buf.writeUInt32BE(LEN_SIZE + HEADER_SIZE + bodyLen, 0);
  buf.writeUInt32BE(h.program, 4);
  buf.writeUInt32BE(h.version, 8);
  buf.writeInt32BE(h.procedure, 12);
  buf.writeInt32BE(h.type, 16);
  buf.writeUInt32BE(h.serial, 20);
  buf.writeInt32BE(h.status, 24);
  if (body && bodyLen) buf.set(body, LEN_SIZE + HEADER_SIZE);
  return buf;
}

/**
 * Splits a byte stream into packets. Chunks are kept in a list and joined only when a whole
 * packet is present, so a 256 KiB stream packet arriving in 64 KiB reads is copied once.
 */
export class PacketReader {
  private chunks: Buffer[] = [];
  private buffered = 0;

  push(chunk: Buffer): Packet[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const out: Packet[] = [];
    for (;;) {
      if (this.buffered < LEN_SIZE) break;
      const head = this.peek(LEN_SIZE);
      const len = head.readUInt32BE(0);
      if (len < LEN_SIZE + HEADER_SIZE || len > MAX_PACKET_SIZE + LEN_SIZE) {
        throw new Error(`invalid libvirt packet length ${len}`);
      }
      if (this.buffered < len) break;
      const buf = this.take(len);
      out.push({
        program: buf.readUInt32BE(4),
        version: buf.readUInt32BE(8),
        procedure: buf.readInt32BE(12),
        type: buf.readInt32BE(16),
        serial: buf.readUInt32BE(20),
        status: buf.readInt32BE(24),
        body: buf.subarray(LEN_SIZE + HEADER_SIZE),
      });
    }
    return out;
  }

  private peek(n: number): Buffer {
    if (this.chunks[0].length >= n) return this.chunks[0];
    this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0];
  }

  private take(n: number): Buffer {
    let first = this.chunks[0];
    if (first.length < n) {
      first = Buffer.concat(this.chunks);
      this.chunks = [first];
    }
    const out = first.subarray(0, n);
    if (first.length === n) this.chunks.shift();
    else this.chunks[0] = first.subarray(n);
    this.buffered -= n;
    return out;
  }
}

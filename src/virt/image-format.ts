// Checks an image's first bytes before it becomes a base disk, as Nova does with its format
// inspector (nova/image/format_inspector.py, used by nova/virt/images.py fetch_to_raw): the data
// must be what Glance's disk_format says, and a qcow2 must not point at another file — a backing
// file or an external data file would let a user's image read any file on the host.
import { Transform, type TransformCallback } from 'node:stream';

/** Bytes needed to judge an image. */
export const IMAGE_HEADER_BYTES = 512;

export interface ImageHeader {
  format: 'qcow2' | 'raw' | 'qed' | 'vmdk' | 'vhdx' | 'vdi' | 'luks';
  /** qcow2: the header names a backing file. */
  backingFile: boolean;
  /** qcow2 v3: the external data file bit is set. */
  dataFile: boolean;
  /** qcow2: the virtual size in bytes. */
  virtualSize?: bigint;
}

const QCOW2_MAGIC = 0x514649fb; // 'QFI\xfb'
const QCOW2_INCOMPAT_DATA_FILE = 1n << 2n;

/** What the first bytes of an image are (anything unrecognised is raw). */
export function inspectImageHeader(head: Buffer): ImageHeader {
  const base = { backingFile: false, dataFile: false };
  if (head.length >= 4 && head.readUInt32BE(0) === QCOW2_MAGIC) {
    const version = head.length >= 8 ? head.readUInt32BE(4) : 0;
    const backingOffset = head.length >= 16 ? head.readBigUInt64BE(8) : 0n;
    const incompatible = version >= 3 && head.length >= 80 ? head.readBigUInt64BE(72) : 0n;
    return {
      format: 'qcow2',
      backingFile: backingOffset !== 0n,
      dataFile: (incompatible & QCOW2_INCOMPAT_DATA_FILE) !== 0n,
      virtualSize: head.length >= 32 ? head.readBigUInt64BE(24) : undefined,
    };
  }
  const ascii = (start: number, len: number) => head.subarray(start, start + len).toString('latin1');
  if (ascii(0, 4) === 'QFI\0' || ascii(0, 4) === 'QED\0') return { format: 'qed', ...base };
  if (ascii(0, 4) === 'KDMV') return { format: 'vmdk', ...base };
  if (ascii(0, 8) === 'vhdxfile') return { format: 'vhdx', ...base };
  if (head.length >= 0x44 && head.readUInt32LE(0x40) === 0xbeda107f) return { format: 'vdi', ...base };
  if (ascii(0, 6) === 'LUKS\xba\xbe') return { format: 'luks', ...base };
  return { format: 'raw', ...base };
}

/** Why an image may not become a base disk when Glance says it is `diskFormat`, or null if it may. */
export function imageHeaderProblem(header: ImageHeader, diskFormat: string): string | null {
  if (diskFormat !== 'qcow2' && diskFormat !== 'raw') return `disk_format ${diskFormat} cannot boot here (qcow2 or raw only)`;
  if (header.format !== diskFormat) return `image data is ${header.format}, but its disk_format is ${diskFormat}`;
  if (header.backingFile) return 'qcow2 image has a backing file';
  if (header.dataFile) return 'qcow2 image has an external data file';
  return null;
}

/**
 * A pass-through stream that checks the header on the way (so the image is read once) and fails
 * the pipeline before any byte past the header is passed on if the image is not acceptable.
 */
export function imageHeaderGuard(diskFormat: string, onHeader?: (h: ImageHeader) => void): Transform {
  let head: Buffer | null = Buffer.alloc(0);
  const check = (self: Transform): Error | null => {
    const header = inspectImageHeader(head!);
    const problem = imageHeaderProblem(header, diskFormat);
    if (problem) return new Error(`image rejected: ${problem}`);
    onHeader?.(header);
    self.push(head);
    head = null;
    return null;
  };
  return new Transform({
    transform(chunk: Buffer, _enc, cb: TransformCallback) {
      if (head === null) return cb(null, chunk);
      head = Buffer.concat([head, chunk]);
      if (head.length < IMAGE_HEADER_BYTES) return cb();
      cb(check(this));
    },
    flush(cb: TransformCallback) {
      if (head === null) return cb();
      if (head.length === 0) return cb(new Error('image rejected: it is empty'));
      cb(check(this));
    },
  });
}

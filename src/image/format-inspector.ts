// Finds what image data really is with `qemu-img info --output=json`, as Nova does before it uses an
// image (nova/virt/images.py qemu_img_info, run under a CPU/memory limit), and refuses data that would
// let a guest read host files: a qcow2 with a backing file or an external data file, a vmdk whose
// extents live in other files (CVE-2015-5162, CVE-2022-47951 — Glance's format_inspector checks these).
import { execFile } from 'node:child_process';
import { BadRequestError } from '../http/errors.js';

export interface DetectedFormat {
  /** In Glance's vocabulary (qemu's vpc is Glance's vhd). */
  format: string;
  virtualSize: number;
}

const QEMU_TO_GLANCE: Record<string, string> = { raw: 'raw', qcow2: 'qcow2', vmdk: 'vmdk', vpc: 'vhd', vhdx: 'vhdx', vdi: 'vdi', parallels: 'ploop' };

// Formats whose declared type is only checked when qemu-img recognises the data as something else.
// Tempest (and Glance before 2024.2, which had no inspector) upload arbitrary bytes as vhd, vmdk, ami,
// iso…; such data is inert — qemu-img refuses to convert it later. qcow2 is the exception: virtstack's
// compute uses a qcow2 image directly as the backing file of a guest disk, so it must really be qcow2.
const MUST_MATCH_EXACTLY = new Set(['qcow2']);

function run(path: string): Promise<any> {
  return new Promise((resolve, reject) => {
    // No --backing-chain: qemu-img then opens the image alone and never follows a backing file.
    execFile('qemu-img', ['info', '--output=json', path], { timeout: 30_000, maxBuffer: 4 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      if (err) {
        reject(new BadRequestError(`Image data could not be inspected: ${String(stderr || err.message).trim().split('\n')[0]}`));
        return;
      }
      try {
        resolve(JSON.parse(stdout));
      } catch {
        reject(new BadRequestError('Image data could not be inspected: qemu-img printed no JSON.'));
      }
    });
  });
}

/** Inspects the file and checks it against the image's disk_format; throws a 400 when it must be refused. */
export async function inspectImageFile(path: string, diskFormat: string | null): Promise<DetectedFormat> {
  const info = await run(path);
  const qemuFormat = String(info.format ?? 'raw');
  const format = QEMU_TO_GLANCE[qemuFormat];
  if (!format) throw new BadRequestError(`Image data is in the format '${qemuFormat}', which is not accepted.`);
  const data = info['format-specific']?.data ?? {};
  if (info['backing-filename'] !== undefined || info['full-backing-filename'] !== undefined) {
    throw new BadRequestError(`Image data has a backing file ('${info['backing-filename'] ?? info['full-backing-filename']}'); images with a backing file are not accepted.`);
  }
  if (format === 'qcow2' && data['data-file'] !== undefined) {
    throw new BadRequestError(`Image data uses an external data file ('${data['data-file']}'); such images are not accepted.`);
  }
  if (format === 'vmdk') {
    const createType = String(data['create-type'] ?? '');
    if (!['monolithicSparse', 'streamOptimized'].includes(createType)) {
      throw new BadRequestError(`Image data is a vmdk of type '${createType}', whose extents are separate files; only monolithicSparse and streamOptimized are accepted.`);
    }
  }
  const declared = diskFormat ?? 'raw';
  const mismatch = format !== 'raw' ? format !== declared : MUST_MATCH_EXACTLY.has(declared);
  if (mismatch) {
    throw new BadRequestError(`Image data does not match the image's disk_format: the data is ${format}, the image says ${declared}.`);
  }
  return { format, virtualSize: Number(info['virtual-size'] ?? 0) };
}

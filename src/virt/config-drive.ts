// The config drive (Nova's nova/virt/configdrive.py): an ISO9660 image labelled `config-2`
// holding openstack/latest/meta_data.json, user_data, network_data.json, built with genisoimage
// as Nova does (-J -r -V config-2, plus the relaxed ISO9660 name options Nova passes).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, sep } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Nova's ConfigDriveBuilder label; cloud-init and the test guest look for this label. */
export const CONFIG_DRIVE_LABEL = 'config-2';

/**
 * Builds the ISO from `files` (path inside the ISO → content) and returns its bytes (config
 * drives are small: metadata and at most 64 KiB of user data). Throws on a path that would
 * leave the drive's root.
 */
export async function buildConfigDrive(files: Record<string, string | Buffer>): Promise<Buffer> {
  const work = await mkdtemp(join(tmpdir(), 'virtstack-cd-'));
  try {
    const root = join(work, 'root');
    await mkdir(root);
    for (const [name, content] of Object.entries(files)) {
      const rel = normalize(name).replace(/^[/\\]+/, '');
      if (rel === '' || rel === '.' || rel.split(sep).includes('..')) throw new Error(`config drive path '${name}' is not allowed`);
      const path = join(root, rel);
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, content);
    }
    const iso = join(work, 'config.iso');
    await run(
      'genisoimage',
      ['-o', iso, '-ldots', '-allow-lowercase', '-allow-multidot', '-l', '-publisher', 'virtstack', '-quiet', '-J', '-r', '-V', CONFIG_DRIVE_LABEL, root],
      { timeout: 60_000 },
    ).catch((err: Error & { stderr?: string; code?: string }) => {
      if (err.code === 'ENOENT') throw new Error('genisoimage is not installed (apt-get install genisoimage)');
      throw new Error(`genisoimage failed: ${(err.stderr ?? '').trim() || err.message}`);
    });
    return await readFile(iso);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

// Replaces a small file so that a crash or a power failure leaves the old content or the new one,
// never half of one: the text goes to a temporary file beside it, which is flushed to the disk
// (fsync) and renamed over the old file; the directory is flushed too, so the rename itself
// survives a power failure (not on Windows, where a directory cannot be opened for that; NTFS
// journals the rename). A write that fails removes its temporary file and throws.

import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

export type AtomicWrite = (path: string, text: string) => Promise<void>;

export const writeFileAtomic: AtomicWrite = async (path, text) => {
  const temp = `${path}.tmp`;
  try {
    await mkdir(dirname(path), { recursive: true });
    const file = await open(temp, 'w');
    try {
      await file.writeFile(text);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => {});
    throw err;
  }
  await syncDirectory(dirname(path));
};

async function syncDirectory(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  // The new file is in place; a file system that cannot flush a directory (some network ones)
  // leaves the rename to its own journal.
  const handle = await open(dir, 'r').catch(() => null);
  await handle?.sync().catch(() => {});
  await handle?.close().catch(() => {});
}

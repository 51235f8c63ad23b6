import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { PackageReader } from '../workers/package/load';

/** Reads a model package from a folder on disk (the CLI and Node tests). */
export class NodeDirReader implements PackageReader {
  readonly where: string;
  constructor(private dir: string) {
    this.where = resolve(dir);
  }
  async read(path: string) {
    return { bytes: new Uint8Array(await readFile(join(this.dir, path))), fromCache: false };
  }
}

import { join, resolve } from 'node:path';
import type { PackageReader } from '../workers/package/load';
import { packagePath } from '../workers/package/package-path';
import { readInputFileAsync } from './safe-file';

/**
 * Reads a model package from a folder on disk (the CLI and Node tests). A
 * path is the manifest's, normalised and refused when it could leave the
 * package (package-path.ts); the file must be a regular file whose real path
 * (symlinks followed) is inside the folder (safe-file.ts).
 */
export class NodeDirReader implements PackageReader {
  readonly where: string;
  constructor(private dir: string) {
    this.where = resolve(dir);
  }
  async read(path: string) {
    const rel = packagePath(path, 'path');
    const kind = rel === 'manifest.json' ? 'manifest' : 'package-file';
    return {
      bytes: await readInputFileAsync(join(this.dir, rel), kind, { inside: this.dir }),
      fromCache: false,
    };
  }
}

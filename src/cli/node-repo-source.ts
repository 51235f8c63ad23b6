import { stat, realpath } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { HubError } from '../workers/hub/hub-error';
import { repoPath } from '../workers/hub/repo-path';
import { MAX_FILE_BYTES, targetFor, type ReadOptions, type RepoSource } from '../workers/hub/source';
import { InputFileError, readInputFileAsync } from './safe-file';

/**
 * A Hugging Face repo in a folder (`--model DIR`). A path is checked by the
 * shared repo-path rule, then resolved with symlinks followed and required
 * to stay inside the folder; only regular files are read (a FIFO or a
 * device is refused at once, by stat, before any open), through the CLI's
 * one file reader (safe-file.ts).
 *
 * One exception to "inside the folder": a snapshot of the Hugging Face
 * cache (`…/models--owner--name/snapshots/<rev>/`), whose files are links
 * to `../../blobs/<hash>`, may point anywhere inside its `models--…` folder.
 */
export class NodeFolderSource implements RepoSource {
  readonly where: string;
  readonly kind = 'folder';
  private root: Promise<{ folder: string; allowed: string }> | null = null;

  constructor(
    private dir: string,
    private maxBytes = MAX_FILE_BYTES,
  ) {
    this.where = resolve(dir);
  }

  private roots() {
    this.root ??= (async () => {
      let folder: string;
      try {
        folder = await realpath(this.dir);
      } catch (e) {
        throw new HubError('', `${this.where}: no such folder (${(e as NodeJS.ErrnoException).code ?? e})`);
      }
      if (!(await stat(folder)).isDirectory()) throw new HubError('', `${this.where} is not a folder`);
      const cacheRepo = dirname(dirname(folder));
      const isSnapshot =
        basename(dirname(folder)) === 'snapshots' &&
        basename(cacheRepo).startsWith('models--') &&
        existsSync(join(cacheRepo, 'blobs')) &&
        statSync(join(cacheRepo, 'blobs')).isDirectory();
      return { folder, allowed: isSnapshot ? cacheRepo : folder };
    })();
    return this.root;
  }

  /** The real path of a repo file, or null when the folder has no such file. */
  private async locate(path: string): Promise<{ rel: string; real: string; size: number } | null> {
    const rel = repoPath(path);
    const { folder, allowed } = await this.roots();
    let real: string;
    try {
      real = await realpath(join(folder, rel));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return null;
      throw new HubError(rel, `cannot be read (${code ?? e})`);
    }
    const r = relative(allowed, real);
    if (r === '' || r === '..' || r.startsWith(`..${sep}`) || isAbsolute(r))
      throw new HubError(rel, `is a link to ${real}, outside ${this.where}; refused`);
    const st = await stat(real);
    if (!st.isFile())
      throw new HubError(
        rel,
        st.isFIFO()
          ? 'is a named pipe (FIFO), not a regular file; refused'
          : st.isCharacterDevice() || st.isBlockDevice()
            ? 'is a device, not a regular file; refused'
            : st.isDirectory()
              ? 'is a folder, not a file'
              : 'is not a regular file; refused',
      );
    // Sizing never refuses a big file (the plan says what the backend can take); reading does.
    return { rel, real, size: st.size };
  }

  async size(path: string): Promise<number | null> {
    return (await this.locate(path))?.size ?? null;
  }

  async exists(path: string): Promise<boolean> {
    return (await this.locate(path)) !== null;
  }

  async read(path: string, options: ReadOptions = {}): Promise<Uint8Array> {
    const found = await this.locate(path);
    if (!found) throw new HubError(repoPath(path), `is not in ${this.where}`);
    options.signal?.throwIfAborted();
    // The cap (the caller's, and what one buffer holds) before anything is allocated or read.
    const cap = Math.min(options.maxBytes ?? MAX_FILE_BYTES, this.maxBytes, MAX_FILE_BYTES);
    if (found.size > cap)
      throw new HubError(found.rel, `has ${found.size} bytes, more than the ${cap} this loader reads`);
    const target = options.into ? targetFor(found.rel, found.size, options) : undefined;
    const { allowed } = await this.roots();
    let bytes: Uint8Array;
    try {
      // In steps, straight into the piece's place in a larger buffer when there is one.
      bytes = await readInputFileAsync(found.real, 'package-file', { inside: allowed }, target);
    } catch (e) {
      const msg =
        e instanceof InputFileError ? e.message.replace(`${found.real}: `, '') : (e as Error).message;
      throw new HubError(found.rel, msg, { cause: e });
    }
    if (bytes.length !== found.size) throw new HubError(found.rel, 'changed size while it was read');
    options.onProgress?.({ loaded: bytes.length, total: bytes.length, fromCache: false });
    return bytes;
  }
}

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
    if (st.size > this.maxBytes)
      throw new HubError(rel, `has ${st.size} bytes, more than the ${this.maxBytes} this loader reads`);
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
    // Checks `into` and the cap; allocates nothing unless there is no `into` (then it is not called).
    const target = options.into ? targetFor(found.rel, found.size, options) : null;
    if (!target && found.size > (options.maxBytes ?? MAX_FILE_BYTES))
      throw new HubError(
        found.rel,
        `has ${found.size} bytes, more than the ${options.maxBytes} expected of it`,
      );
    const { allowed } = await this.roots();
    let bytes: Uint8Array;
    try {
      bytes = await readInputFileAsync(found.real, 'package-file', { inside: allowed });
    } catch (e) {
      const msg =
        e instanceof InputFileError ? e.message.replace(`${found.real}: `, '') : (e as Error).message;
      throw new HubError(found.rel, msg, { cause: e });
    }
    if (bytes.length !== found.size) throw new HubError(found.rel, 'changed size while it was read');
    options.onProgress?.({ loaded: bytes.length, total: bytes.length, fromCache: false });
    if (!target) return bytes;
    // A piece of a larger file: readInputFileAsync gave its own buffer, so it is copied into place
    // (one piece at a time, never the whole file twice).
    target.set(bytes);
    return target;
  }
}

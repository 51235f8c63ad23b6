/**
 * A repo from files the user picked in the browser: a folder (each File
 * has a `webkitRelativePath` under the folder's own name, which is
 * dropped), or loose files, matched by name. Paths follow repo-path.ts.
 */
import { HubError } from './hub-error';
import { repoPath } from './repo-path';
import { streamInto, targetFor, type ReadOptions, type RepoSource } from './source';

export class FileListSource implements RepoSource {
  readonly where: string;
  readonly kind = 'files';
  private byPath = new Map<string, File>();
  /** Loose files (no folder path): any path is matched by its last segment. */
  private flat: boolean;

  constructor(files: Iterable<File>, where = 'the chosen files') {
    this.where = where;
    const list = [...files];
    const rel = (f: File) => (f as File & { webkitRelativePath?: string }).webkitRelativePath || '';
    this.flat = list.every((f) => !rel(f).includes('/'));
    for (const f of list) {
      const parts = rel(f).split('/');
      const inside = this.flat ? f.name : parts.slice(1).join('/');
      let path: string;
      try {
        path = repoPath(inside);
      } catch {
        continue; // a name no repo path can reach is simply not offered
      }
      if (!this.byPath.has(path)) this.byPath.set(path, f);
    }
  }

  private file(path: string): File | null {
    const rel = repoPath(path);
    return this.byPath.get(this.flat ? rel.slice(rel.lastIndexOf('/') + 1) : rel) ?? null;
  }

  async size(path: string): Promise<number | null> {
    return this.file(path)?.size ?? null;
  }

  async exists(path: string): Promise<boolean> {
    return this.file(path) !== null;
  }

  async read(path: string, options: ReadOptions = {}): Promise<Uint8Array> {
    const f = this.file(path);
    if (!f) throw new HubError(path, `is not among ${this.where}`);
    const target = targetFor(path, f.size, options);
    let got: number;
    try {
      got = await streamInto(
        f.stream() as ReadableStream<Uint8Array>,
        target,
        0,
        path,
        (n) => options.onProgress?.({ loaded: n, total: f.size, fromCache: false }),
        options.signal,
      );
    } catch (e) {
      if (e instanceof HubError || (e instanceof Error && e.name === 'AbortError')) throw e;
      throw new HubError(path, `cannot be read from ${this.where} (${(e as Error).message})`, { cause: e });
    }
    if (got !== f.size) throw new HubError(path, `changed while it was read (${got} of ${f.size} bytes)`);
    return target;
  }
}

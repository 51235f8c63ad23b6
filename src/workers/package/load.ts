import {
  FILE_KEYS,
  ManifestError,
  OPTIONAL_FILE_KEYS,
  validateManifest,
  type FileKey,
  type ModelManifest,
  type RequiredFileKey,
} from './manifest';

/**
 * Loading a model package from any source (the app's own public/models, a
 * URL, local files, a folder in Node): read manifest.json, then every file,
 * checking each against the manifest's size and SHA-256.
 */

export class PackageError extends Error {
  override name = 'PackageError';
}

/** Load progress, one union keyed on `status`. */
export type LoadProgress =
  | { status: 'manifest' }
  | { status: 'download'; file: string; loaded: number; total: number }
  | { status: 'verify'; file: string }
  | { status: 'done'; file: string; fromCache: boolean }
  /** A Hugging Face repo's decoder is being patched to give attention rows. */
  | { status: 'patch'; file: string }
  | { status: 'ready'; name: string };

export interface PackageReader {
  /** A description for messages: the URL, folder or "local files". */
  readonly where: string;
  read(
    path: string,
    onProgress?: (loaded: number, total: number) => void,
    bypassCache?: boolean,
  ): Promise<{ bytes: Uint8Array; fromCache: boolean }>;
  /** Keep a verified file for next time (Cache Storage); optional. */
  keep?(path: string, bytes: Uint8Array): Promise<void>;
  /** Forget a cached file that failed verification; optional. */
  forget?(path: string): Promise<void>;
}

export interface LoadedPackage {
  manifest: ModelManifest;
  files: Record<RequiredFileKey, Uint8Array> & Partial<Record<FileKey, Uint8Array>>;
  where: string;
}

export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

export async function readManifest(reader: PackageReader): Promise<ModelManifest> {
  let bytes: Uint8Array;
  try {
    bytes = (await reader.read('manifest.json')).bytes;
  } catch (e) {
    throw new PackageError(`${reader.where}: no readable manifest.json (${(e as Error).message})`, {
      cause: e,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new PackageError(`${reader.where}: manifest.json is not JSON (${(e as Error).message})`, {
      cause: e,
    });
  }
  try {
    return validateManifest(json);
  } catch (e) {
    if (e instanceof ManifestError) throw new PackageError(`${reader.where}: ${e.message}`, { cause: e });
    throw e;
  }
}

async function readOne(
  reader: PackageReader,
  path: string,
  onProgress: (p: LoadProgress) => void,
  bypassCache: boolean,
) {
  try {
    return await reader.read(
      path,
      (loaded, total) => onProgress({ status: 'download', file: path, loaded, total }),
      bypassCache,
    );
  } catch (e) {
    throw new PackageError(`${reader.where}: cannot read ${path} (${(e as Error).message})`, { cause: e });
  }
}

/** Why the bytes are not the file the manifest describes, or null. */
async function verify(bytes: Uint8Array, spec: { bytes: number; sha256: string }): Promise<string | null> {
  if (bytes.length !== spec.bytes) return `has ${bytes.length} bytes, the manifest says ${spec.bytes}`;
  if ((await sha256Hex(bytes)) !== spec.sha256) return 'does not match the SHA-256 in the manifest';
  return null;
}

export async function loadPackage(
  reader: PackageReader,
  onProgress: (p: LoadProgress) => void = () => {},
): Promise<LoadedPackage> {
  onProgress({ status: 'manifest' });
  const manifest = await readManifest(reader);
  const files = {} as LoadedPackage['files'];
  for (const key of [...FILE_KEYS, ...OPTIONAL_FILE_KEYS]) {
    const spec = manifest.files[key];
    if (!spec) continue;
    let got = await readOne(reader, spec.path, onProgress, false);
    onProgress({ status: 'verify', file: spec.path });
    let problem = await verify(got.bytes, spec);
    if (problem && got.fromCache) {
      // A cached copy from another version of the package: fetch it afresh once.
      await reader.forget?.(spec.path);
      got = await readOne(reader, spec.path, onProgress, true);
      problem = await verify(got.bytes, spec);
    }
    if (problem) {
      await reader.forget?.(spec.path);
      throw new PackageError(
        `${spec.path} ${problem}: the file is truncated, corrupt or from another version of the package`,
      );
    }
    if (!got.fromCache) await reader.keep?.(spec.path, got.bytes);
    files[key] = got.bytes;
    onProgress({ status: 'done', file: spec.path, fromCache: got.fromCache });
  }
  onProgress({ status: 'ready', name: manifest.name });
  return { manifest, files, where: reader.where };
}

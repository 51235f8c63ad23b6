/**
 * Repo-relative paths, by the one rule the package reader also uses
 * (package-path.ts: decoded, normalised, no "..", backslash, URL, drive
 * letter or absolute path), as HubErrors naming what gave the path.
 */
import { PackagePathError, packagePath, packageUrl } from '../package/package-path';
import { HubError } from './hub-error';

function rethrow(e: unknown): never {
  if (e instanceof PackagePathError)
    throw new HubError('', e.message.replace(/the package\b/g, 'the repo'), { cause: e });
  throw e;
}

/** `raw` normalised ("./onnx//x" → "onnx/x"); `namedBy` says where it came from, for the message. */
export function repoPath(raw: string, namedBy = 'path'): string {
  try {
    return packagePath(raw, namedBy);
  } catch (e) {
    rethrow(e);
  }
}

/** A file named relative to another file's folder (an ONNX graph's external data, a manifest's pieces). */
export function siblingPath(of: string, raw: string, namedBy: string): string {
  const rel = repoPath(raw, namedBy);
  const dir = of.includes('/') ? of.slice(0, of.lastIndexOf('/') + 1) : '';
  return repoPath(dir + rel, namedBy);
}

/** The URL of a repo path under a folder URL, each segment escaped; never outside it. */
export function repoUrl(base: string, path: string): URL {
  try {
    return packageUrl(base, path);
  } catch (e) {
    rethrow(e);
  }
}

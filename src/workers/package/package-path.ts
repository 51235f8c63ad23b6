/**
 * The one rule for a file path that a package (or a repo) names: decoded,
 * normalised, then required to be relative and inside the package. Used by
 * the manifest reader, the URL reader and the folder reader alike, so
 * `%2e%2e/`, `..\`, `/etc/passwd` and `http://other-origin/x` are refused
 * the same way everywhere (a URL resolver would read `%2e%2e` as `..`).
 */

export class PackagePathError extends Error {
  override name = 'PackagePathError';
}

/** The reasons a path is refused, in words a person can act on. */
function problem(raw: string): string | null {
  if (raw === '') return 'is empty';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(raw)) return 'has control characters';
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return 'has a malformed %-escape';
  }
  // Decoding twice catches %252e%252e, which a server that decodes again would turn into "..".
  let twice = decoded;
  try {
    twice = decodeURIComponent(decoded);
  } catch {
    /* a literal "%" after one decoding is a plain character */
  }
  for (const p of new Set([raw, decoded, twice])) {
    if (p.includes('\\')) return 'has a backslash (use "/" between folders)';
    if (/^[a-z][a-z0-9+.-]*:/i.test(p)) return 'is a URL or a drive path';
    if (p.startsWith('/')) return 'is absolute';
    if (p.split('/').some((s) => s === '..')) return 'goes up a folder ("..")';
    if (/[?#]/.test(p)) return 'has "?" or "#"';
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(decoded)) return 'has control characters';
  return null;
}

/**
 * The normalised form of a package-relative path ("./a//b.onnx" → "a/b.onnx"),
 * or a PackagePathError naming `field` when it could leave the package.
 */
export function packagePath(raw: string, field: string): string {
  const why = problem(raw);
  if (why)
    throw new PackagePathError(`${field} ${JSON.stringify(raw)}: ${why}; it must stay inside the package`);
  const parts = decodeURIComponent(raw)
    .split('/')
    .filter((s) => s !== '' && s !== '.');
  if (parts.length === 0) throw new PackagePathError(`${field} ${JSON.stringify(raw)}: names no file`);
  return parts.join('/');
}

/** The URL of a package path under `base` (a folder URL ending in "/"), each segment escaped. */
export function packageUrl(base: string, path: string): URL {
  const rel = packagePath(path, 'path');
  const url = new URL(rel.split('/').map(encodeURIComponent).join('/'), base);
  const root = new URL(base);
  if (url.origin !== root.origin || !url.pathname.startsWith(root.pathname))
    throw new PackagePathError(`path ${JSON.stringify(path)}: resolves outside ${base}`);
  return url;
}

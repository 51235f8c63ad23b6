/**
 * Reading a repo's JSON configs by own keys only (a key such as
 * `constructor` must never reach Object.prototype), with messages that name
 * the file and the field.
 */
export type Json = Record<string, unknown>;

export class RepoConfigError extends Error {
  override name = 'RepoConfigError';
}

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `obj[key]` when `obj` is an object that has `key` itself; otherwise undefined. */
export function own(obj: unknown, key: string): unknown {
  return isObject(obj) && Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** The first own, non-null value of `key` in `objs` (earlier objects win). */
export function firstOwn(objs: readonly unknown[], key: string): unknown {
  for (const o of objs) {
    const v = own(o, key);
    if (v !== undefined && v !== null) return v;
  }
  return undefined;
}

export function wholeNumber(where: string, v: unknown, min = 1): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min)
    throw new RepoConfigError(`${where}: expected a whole number ≥ ${min}, got ${JSON.stringify(v)}`);
  return v;
}

export function positive(where: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0)
    throw new RepoConfigError(`${where}: expected a number > 0, got ${JSON.stringify(v)}`);
  return v;
}

export function rgbTriple(where: string, v: unknown, positiveOnly = false): [number, number, number] {
  const single = typeof v === 'number' ? [v, v, v] : v;
  if (
    !Array.isArray(single) ||
    single.length !== 3 ||
    !single.every((x) => typeof x === 'number' && Number.isFinite(x) && (!positiveOnly || x > 0))
  )
    throw new RepoConfigError(`${where}: expected three numbers (R, G, B), got ${JSON.stringify(v)}`);
  return [single[0], single[1], single[2]];
}

export function bool(where: string, v: unknown, fallback: boolean): boolean {
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'boolean')
    throw new RepoConfigError(`${where}: expected true or false, got ${JSON.stringify(v)}`);
  return v;
}

/** A special token as tokenizer_config writes it: a string, or an AddedToken object `{content}`. */
export function tokenString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  const c = own(v, 'content');
  return typeof c === 'string' ? c : undefined;
}

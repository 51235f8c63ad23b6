/**
 * Mutating JSON documents field by field for the property-based fuzz tests:
 * every path of a document, a copy with one path replaced by a hostile value,
 * deleted, truncated, appended to or duplicated, and the text of the result
 * (with numbers JSON.stringify cannot write, such as 1e999).
 */
import fc from 'fast-check';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** A JSON path as the readers write it: `generated[2].attention[0]`, `files.decoder.path`. */
function join(path: string, key: string | number): string {
  return typeof key === 'number' ? `${path}[${key}]` : path ? `${path}.${key}` : key;
}

/** Every path in a JSON value (containers and leaves), with a way to change it in a copy. */
export function paths(v: Json, path = ''): string[] {
  const out: string[] = [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push(join(path, i), ...paths(x, join(path, i))));
  else if (v !== null && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) out.push(join(path, k), ...paths(x, join(path, k)));
  return out;
}

function parsePath(path: string): (string | number)[] {
  const keys: (string | number)[] = [];
  for (const m of path.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) keys.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return keys;
}

export type Mutation =
  | { kind: 'replace'; value: Json }
  | { kind: 'delete' }
  | { kind: 'truncate'; keep: number }
  | { kind: 'append'; value: Json }
  | { kind: 'duplicate' };

/** Sentinels turned into number literals JSON.stringify cannot write (1e999 parses as Infinity). */
const INF = '\u0000inf';
const NEG_INF = '\u0000-inf';

export function mutate(base: Json, path: string, m: Mutation): Json {
  const copy = structuredClone(base) as Json;
  const keys = parsePath(path);
  const last = keys.pop()!;
  let parent = copy as Record<string | number, Json>;
  for (const k of keys) parent = parent[k] as Record<string | number, Json>;
  const target = parent[last];
  switch (m.kind) {
    case 'replace':
      parent[last] = m.value;
      break;
    case 'delete':
      if (Array.isArray(parent)) parent.splice(last as number, 1);
      else delete parent[last];
      break;
    case 'truncate':
      if (Array.isArray(target)) target.length = Math.min(target.length, m.keep);
      else if (typeof target === 'string') parent[last] = target.slice(0, m.keep);
      else parent[last] = m.keep;
      break;
    case 'append':
      if (Array.isArray(target)) target.push(m.value);
      else parent[last] = [target, m.value];
      break;
    case 'duplicate':
      if (Array.isArray(parent)) parent.splice(last as number, 0, structuredClone(target));
      else parent[last] = [target, target];
      break;
  }
  return copy;
}

export function toText(v: Json): string {
  return JSON.stringify(v)
    .replaceAll(JSON.stringify(INF), '1e999')
    .replaceAll(JSON.stringify(NEG_INF), '-1e999');
}

const hostileNumber = fc.constantFrom(
  -1,
  -0,
  0,
  0.5,
  1,
  1.5,
  2 ** 31,
  2 ** 53,
  1e300,
  1.7e308,
  3.5e38, // above float32's largest
  3.4e38,
  1e-45,
  Number.MIN_VALUE,
  -1e-300,
);
export const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  { weight: 3, arbitrary: hostileNumber },
  {
    weight: 1,
    arbitrary: fc.constantFrom<Json>(INF, NEG_INF, null, true, '', 'x', [], {}, '1', [1, 2], '\ufeff'),
  },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json> },
  { weight: 1, arbitrary: fc.integer({ min: -3, max: 64 }) },
);
export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: hostileValue.map((value) => ({ kind: 'replace' as const, value })) },
  { weight: 2, arbitrary: fc.constant({ kind: 'delete' as const }) },
  { weight: 2, arbitrary: fc.nat(20).map((keep) => ({ kind: 'truncate' as const, keep })) },
  { weight: 1, arbitrary: hostileValue.map((value) => ({ kind: 'append' as const, value })) },
  { weight: 1, arbitrary: fc.constant({ kind: 'duplicate' as const }) },
);

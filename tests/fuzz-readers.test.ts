/**
 * Property-based fuzzing of the two readers that take files from strangers:
 * the trace reader (src/real/trace/read.ts) and the model-package manifest
 * reader (src/workers/package/manifest.ts, load.ts). Every input is either
 * accepted as valid (a trace then scores to finite numbers within 2 s; a
 * manifest's paths then stay inside the package) or rejected with the
 * reader's own error, on one line, naming the field that was broken; no other
 * exception, no hang.
 *
 * Inputs: valid traces and manifests mutated field by field (a value
 * replaced by random JSON or a hostile number, a key deleted, an array
 * shortened, lengthened or duplicated into), broken JSON text (truncated,
 * with a byte-order mark, with 1e999), and random JSON.
 *
 * 1,000 cases per property here (CI); `npm run fuzz` runs 10,000
 * (FUZZ_RUNS sets the number) with a new seed each time, printed; the seed
 * is fixed otherwise (tests/setup/fast-check-seed.ts).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  TraceFormatError,
  parseTrace,
  scoreTrace,
  serializeTrace,
  withDefaults,
  type Trace,
} from '../src/real';
import { readManifest, type PackageReader } from '../src/workers/package/load';
import { ManifestError, validateManifest } from '../src/workers/package/manifest';
import { buildTrace, oneHot } from './trace-builder';
import { mutate, mutation, paths, toText, type Json, type Mutation } from './fuzz/json-mutations';
import { cpuNow } from './timing';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);
// Generous for the suite on a loaded 2-core machine: the property itself bounds each case at 2 s.
const TIMEOUT = Math.max(120_000, RUNS * 60);

/** The field an error names: a reader error's `field`, or the manifest message's `manifest <field>`. */
function traceErrorField(e: unknown): string {
  if (!(e instanceof TraceFormatError)) throw e;
  return e.field;
}

const under = (a: string, b: string) => a === b || a.startsWith(`${b}.`) || a.startsWith(`${b}[`);
/** a and b lie on one branch: one is the other, or inside it. */
const sameBranch = (a: string, b: string) => under(a, b) || under(b, a);

const POSITION_FIELD = /(^imagePositions|\.position$|\.positions(\[\d+\])?$|^views\[\d+\]\.positions)/;
const ROWS_FIELD = /(\.attention(\[\d+\])*$|^promptAttention(\[\d+\])*$|^modelInfo\.attentionLayers)/;
const V2_FIELDS = /^(image|views|modelInfo|prompting|answer)\b/;

/**
 * Whether an error naming `field` names the right field for mutation `m` at
 * `path`: the same branch of the document, or a field the reader checks the
 * mutated value against: a position against the other positions and the
 * rows' lengths; a grid against its positions; one token's layer count
 * against the others'; the version against the version-2 fields. Removing or
 * adding a list entry (a prompt token, a generated token) shifts the
 * positions after it, so then those may be named too.
 */
function traceFieldFits(path: string, m: Mutation, field: string): boolean {
  if (sameBranch(path, field)) return true;
  // A box's corners are checked against each other (x1 > x0), a list entry against its neighbours (view names).
  const parent = (p: string) => p.replace(/(\.[^.[\]]+|\[\d+\])$/, '');
  if (/\.box\[\d\]$/.test(path) && parent(path) === parent(field)) return true;
  if (m.kind !== 'replace' && /\[\d+\]$/.test(path) && under(field, parent(path))) return true;
  // A view's rows and cols, like the grid's, against its positions.
  if (/^views\[\d+\]\.(rows|cols)$/.test(path) && under(field, parent(path))) return true;
  const root = path.split(/[.[]/)[0];
  const fieldRoot = field.split(/[.[]/)[0];
  const positionsOrRows = POSITION_FIELD.test(field) || ROWS_FIELD.test(field);
  if (root === 'version') return V2_FIELDS.test(field);
  if (root === 'grid') return field === 'imagePositions' || fieldRoot === 'views' || field === 'grid';
  if (POSITION_FIELD.test(path)) return positionsOrRows;
  // A whole row list or row of one token, against the other tokens' layer count (and modelInfo's).
  if (ROWS_FIELD.test(path)) return ROWS_FIELD.test(field);
  const structural = m.kind !== 'replace' || /^(prompt|generated|imagePositions)(\[\d+\])?$/.test(path);
  if (structural && /^(prompt|generated|imagePositions|views)/.test(root)) return positionsOrRows;
  if (root === 'modelInfo') return ROWS_FIELD.test(field);
  if (root === 'image') return fieldRoot === 'views' || fieldRoot === 'image';
  return false;
}

const oneLine = (s: string) => !/[\r\n]/.test(s) && s.length > 0 && s.length < 2000;

/** Every number in a score is finite (what `real score` prints). */
function allFinite(v: unknown, path = 'score'): string | null {
  if (typeof v === 'number') return Number.isFinite(v) ? null : `${path} = ${v}`;
  if (Array.isArray(v) || ArrayBuffer.isView(v)) {
    const a = v as ArrayLike<unknown>;
    for (let i = 0; i < a.length; i++) {
      const bad = allFinite(a[i], `${path}[${i}]`);
      if (bad) return bad;
    }
  } else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      const bad = allFinite(x, `${path}.${k}`);
      if (bad) return bad;
    }
  return null;
}

/** Accepted → scores finitely within 2 s of CPU; rejected → a TraceFormatError on one line, its field returned. */
function checkTraceText(text: string): { accepted: true } | { accepted: false; field: string } {
  let trace: Trace;
  const t0 = cpuNow();
  try {
    trace = parseTrace(text) as Trace;
  } catch (e) {
    const field = traceErrorField(e);
    expect(oneLine((e as Error).message), (e as Error).message).toBe(true);
    return { accepted: false, field };
  }
  const s = scoreTrace(trace, withDefaults());
  const ms = cpuNow() - t0;
  expect(ms, 'reading and scoring time (ms of CPU)').toBeLessThan(2000);
  const bad = allFinite({
    reasoning: s.reasoning,
    tokens: s.tokens,
    tauT: s.tauT,
    tauI: s.tauI,
    map: Array.from(s.map),
    consistency: s.consistency,
  });
  expect(bad, 'a non-finite number in the score of an accepted trace').toBeNull();
  return { accepted: true };
}

// --- the valid traces that are mutated ---

const fixture = (name: string) => JSON.parse(readFileSync(`tests/fixtures/traces/${name}`, 'utf8')) as Json;

/** A version-2 trace with every optional field: views, modelInfo, the image with its size, prompting, answer. */
function version2(): Json {
  const t = buildTrace({
    rows: 2,
    cols: 3,
    layers: 2,
    prompt: ['▁any', '▁defects', '?'],
    generated: [
      { text: '<think>', special: true },
      { text: '▁a', maps: [oneHot(6, { 0: 0.4, 4: 0.1 }), oneHot(6, { 5: 0.3 })], extra: [{ 7: 0.2 }, {}] },
      { text: '▁b', maps: [oneHot(6, { 1: 0.2 }), oneHot(6, { 2: 0.6 })] },
      { text: '</think>', special: true },
      { text: '<answer>', special: true },
      { text: '▁yes' },
      { text: '</answer>', special: true },
    ],
    promptAttention: { maps: [oneHot(6, { 3: 0.5 }), oneHot(6, {})], extra: [{ 7: 0.3 }, {}] },
  });
  const json = JSON.parse(serializeTrace(t)) as Record<string, Json>;
  return {
    ...json,
    version: 2,
    image: { width: 30, height: 20, dataUrl: 'data:image/png;base64,', box: [0, 0, 30, 20] },
    views: [{ name: 'left', rows: 1, cols: 2, positions: [0, 3], box: [0, 0, 15, 20] }],
    modelInfo: { name: 'test', family: 'real-demo', source: 'here', dtype: 'fp32', attentionLayers: [3, 7] },
    prompting: { system: 'be brief', tier: 2 },
    answer: 'yes',
    label: 1,
    answerProbability: 0.75,
    settings: { alpha: 0.5 },
  };
}

const TRACES: Json[] = [fixture('hand-computed.json'), fixture('no-tags-no-anomaly-word.json'), version2()];

describe('fuzzing the trace reader', () => {
  it('accepts every base trace (so mutations start from valid input)', () => {
    for (const t of TRACES) expect(checkTraceText(toText(t))).toEqual({ accepted: true });
  });

  it(
    `takes ${RUNS} mutated traces: valid and finite, or refused naming the field`,
    () => {
      const mutated = fc
        .record({ base: fc.nat(TRACES.length - 1), pick: fc.nat(), m: mutation })
        .map(({ base, pick, m }) => {
          const doc = TRACES[base];
          const all = paths(doc);
          const path = all[pick % all.length];
          return { path, m, text: toText(mutate(doc, path, m)) };
        });
      const seen = { accepted: 0, refused: 0 };
      fc.assert(
        fc.property(mutated, ({ path, m, text }) => {
          const r = checkTraceText(text);
          seen[r.accepted ? 'accepted' : 'refused']++;
          if (!r.accepted && !traceFieldFits(path, m, r.field))
            throw new Error(`mutating ${path} was refused naming ${r.field}`);
        }),
        { numRuns: RUNS },
      );
      // Both sides are exercised: many mutations keep a trace valid (a value in range), many break it.
      expect(seen.accepted).toBeGreaterThan(RUNS * 0.05);
      expect(seen.refused).toBeGreaterThan(RUNS * 0.2);
    },
    TIMEOUT,
  );

  it(
    `takes ${Math.round(RUNS / 4)} broken texts and ${Math.round(RUNS / 4)} random JSON values without another exception`,
    () => {
      const base = toText(TRACES[0]);
      const broken = fc.oneof(
        fc.nat(base.length).map((n) => base.slice(0, n)),
        fc.constant(`\ufeff${base}`),
        fc.nat(base.length).map((n) => `${base.slice(0, n)}1e999${base.slice(n)}`),
        fc
          .tuple(fc.nat(base.length), fc.string({ maxLength: 4 }))
          .map(([n, s]) => base.slice(0, n) + s + base.slice(n)),
      );
      fc.assert(
        fc.property(broken, (text) => {
          checkTraceText(text);
        }),
        { numRuns: Math.round(RUNS / 4) },
      );
      // Random JSON, and objects with a trace's header and random fields under it.
      const randomJson = fc.oneof(
        fc.jsonValue({ maxDepth: 4 }),
        fc.record(
          {
            format: fc.constant('real-trace'),
            version: fc.constantFrom(1, 2),
            model: fc.string(),
            grid: fc.jsonValue({ maxDepth: 2 }),
            imagePositions: fc.jsonValue({ maxDepth: 2 }),
            prompt: fc.jsonValue({ maxDepth: 3 }),
            generated: fc.jsonValue({ maxDepth: 4 }),
          },
          { requiredKeys: ['format', 'version'] },
        ),
      );
      fc.assert(
        fc.property(randomJson, (v) => {
          checkTraceText(JSON.stringify(v));
        }),
        { numRuns: Math.round(RUNS / 4) },
      );
    },
    TIMEOUT,
  );
});

// --- the model-package manifest ---

const DEMO_MANIFEST = JSON.parse(readFileSync('public/models/real-demo-v1/manifest.json', 'utf8')) as Json;

function manifestField(e: unknown): string {
  if (!(e instanceof ManifestError)) throw e;
  const m = /^manifest ([^\s:]+)/.exec(e.message);
  if (!m) throw new Error(`a ManifestError that names no field: ${e.message}`);
  return m[1];
}

/** Accepted → every file path normalised and inside the package, every number finite; or one line naming a field. */
function checkManifest(v: unknown): { accepted: true } | { accepted: false; field: string } {
  let m;
  try {
    m = validateManifest(v);
  } catch (e) {
    const field = manifestField(e);
    expect(oneLine((e as Error).message), (e as Error).message).toBe(true);
    return { accepted: false, field };
  }
  for (const f of Object.values(m.files)) {
    if (!f) continue;
    expect(f.path.split('/')).not.toContain('..');
    expect(f.path).not.toMatch(/^\/|\\|^[a-z][a-z0-9+.-]*:|%|^$/i);
  }
  expect(allFinite(m, 'manifest')).toBeNull();
  return { accepted: true };
}

const manifestFieldFits = (path: string, field: string) => sameBranch(path, field);

describe('fuzzing the model-package manifest reader', () => {
  it('accepts the demo manifest', () => {
    expect(checkManifest(DEMO_MANIFEST)).toEqual({ accepted: true });
  });

  it(
    `takes ${RUNS} mutated manifests: valid with paths inside the package, or refused naming the field`,
    () => {
      const filePaths = fc.constantFrom<Json>(
        '%2e%2e/x.onnx',
        '%2E%2E%2Fx.onnx',
        '..\\x.onnx',
        'onnx/..\\..\\x',
        'http://other-origin/x.onnx',
        '//other-origin/x.onnx',
        '/etc/passwd',
        'C:\\x.onnx',
        'onnx/%252e%252e/x',
        'onnx/../../x',
        './onnx//ok.onnx',
        'onnx/a%20b.onnx',
        'file:///etc/passwd',
        'onnx/x.onnx?y',
        'onnx/\u0000.onnx',
      );
      const mutated = fc.oneof(
        fc.record({ pick: fc.nat(), m: mutation }).map(({ pick, m }) => {
          const all = paths(DEMO_MANIFEST);
          const path = all[pick % all.length];
          return { path, doc: mutate(DEMO_MANIFEST, path, m) };
        }),
        fc
          .record({
            key: fc.constantFrom('visionEncoder', 'embedTokens', 'decoder', 'tokenizer', 'tokenizerConfig'),
            value: filePaths,
          })
          .map(({ key, value }) => {
            const path = `files.${key}.path`;
            return { path, doc: mutate(DEMO_MANIFEST, path, { kind: 'replace', value }) };
          }),
      );
      const seen = { accepted: 0, refused: 0 };
      fc.assert(
        fc.property(mutated, ({ path, doc }) => {
          const r = checkManifest(doc);
          seen[r.accepted ? 'accepted' : 'refused']++;
          if (!r.accepted && !manifestFieldFits(path, r.field))
            throw new Error(`mutating ${path} was refused naming ${r.field}`);
        }),
        { numRuns: RUNS },
      );
      expect(seen.accepted).toBeGreaterThan(RUNS * 0.05);
      expect(seen.refused).toBeGreaterThan(RUNS * 0.2);
    },
    TIMEOUT,
  );

  it(
    `reads ${Math.round(RUNS / 4)} broken manifest.json texts through the package reader with one-line errors`,
    async () => {
      const base = JSON.stringify(DEMO_MANIFEST);
      const reader = (text: string): PackageReader => ({
        where: 'fuzz',
        read: async () => ({ bytes: new TextEncoder().encode(text), fromCache: false }),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            fc.nat(base.length).map((n) => base.slice(0, n)),
            fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
            fc.string({ maxLength: 40 }),
          ),
          async (text) => {
            try {
              await readManifest(reader(text));
            } catch (e) {
              expect((e as Error).name).toBe('PackageError');
              expect(oneLine((e as Error).message), (e as Error).message).toBe(true);
              expect((e as Error).message).toMatch(/^fuzz: (manifest\.json is not JSON|manifest \S+)/);
            }
          },
        ),
        { numRuns: Math.round(RUNS / 4) },
      );
    },
    TIMEOUT,
  );
});

/**
 * Property-based fuzzing of a model repo folder as the loaders read it: the
 * tiny repos of every family (tests/onnx/tiny-repo.ts) with one file changed
 * — a JSON field of a config, the tokenizer, its config, the generation
 * config or the pieces manifest replaced by a hostile value, deleted,
 * truncated, appended to or duplicated; a graph's bytes flipped, cut or
 * spliced (its header included); the chat template cut or spliced — then
 * planned, read, patched, given its adapter and one image prepared
 * (`prepareRepoModel`, everything a load does before onnxruntime sees a
 * graph). Every case either prepares or is refused with one line that names
 * a file or a field, never JavaScript's own text (a TypeError reading into
 * undefined, "is not a function", an invalid array or string length, a
 * blown stack), within 2 s of CPU.
 *
 * 500 cases in `npm test` (about a minute); `npm run fuzz` runs 10,000 with a new seed
 * (FUZZ_RUNS, FUZZ_SEED), like tests/fuzz-readers.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_QUESTION } from '../src/real/prompting';
import { PAPER_SIZING } from '../src/workers/adapters/image-sizing';
import { prepareRepoModel } from '../src/workers/engine/load-repo-model';
import { FileListSource } from '../src/workers/hub/file-list-source';
import { checkerImage } from './families/fixtures';
import { mutate, mutation, paths, toText, type Json, type Mutation } from './fuzz/json-mutations';
import { TINY_FAMILIES, tinyRepo, type TinyFamily } from './onnx/tiny-repo';
import { cpuNow } from './timing';

const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
// A hang guard only: a case takes ~90 ms of CPU here, 240 ms of wall time at a load of 8.
const TIMEOUT = Math.max(180_000, RUNS * 1000);

const repos = new Map(TINY_FAMILIES.map((f) => [f, tinyRepo(f).files]));
const image = checkerImage(40, 28);

/** The repo as the browser's folder picker hands it over (each File under the folder's name). */
function sourceOf(files: Map<string, Uint8Array>): FileListSource {
  const list = [...files].map(([path, bytes]) => {
    const f = new File([bytes as Uint8Array<ArrayBuffer>], path.slice(path.lastIndexOf('/') + 1));
    Object.defineProperty(f, 'webkitRelativePath', { value: `repo/${path}` });
    return f;
  });
  return new FileListSource(list, 'the fuzzed repo');
}

/** What JavaScript says when code reads what it never checked. */
const RAW_JS =
  /Cannot read propert|Cannot set propert|is not a function|is not iterable|is not an object|undefined|Invalid (typed )?array length|Invalid string length|Maximum call stack|Array buffer allocation|out of memory|Unexpected token .* in JSON at position/;

type Change =
  | { kind: 'json'; path: string; m: Mutation }
  | { kind: 'bytes'; at: number; op: 'flip' | 'cut' | 'splice'; bytes: number[] }
  | { kind: 'text'; at: number; op: 'cut' | 'splice'; text: string };

interface Case {
  family: TinyFamily;
  file: string;
  change: Change;
}

const decoder = new TextDecoder();
const encoder = new TextEncoder();

function apply(files: Map<string, Uint8Array>, c: Case): Map<string, Uint8Array> {
  const out = new Map(files);
  const bytes = files.get(c.file)!;
  const ch = c.change;
  if (ch.kind === 'json') {
    out.set(c.file, encoder.encode(toText(mutate(JSON.parse(decoder.decode(bytes)) as Json, ch.path, ch.m))));
  } else if (ch.kind === 'text') {
    const text = decoder.decode(bytes);
    const at = ch.at % (text.length + 1);
    out.set(
      c.file,
      encoder.encode(ch.op === 'cut' ? text.slice(0, at) : text.slice(0, at) + ch.text + text.slice(at)),
    );
  } else {
    const at = ch.at % (bytes.length + 1);
    const b = bytes.slice();
    if (ch.op === 'flip') {
      for (let i = 0; i < ch.bytes.length && at + i < b.length; i++) b[at + i] ^= ch.bytes[i] || 0xff;
      out.set(c.file, b);
    } else if (ch.op === 'cut') out.set(c.file, b.subarray(0, at));
    else out.set(c.file, Uint8Array.from([...b.subarray(0, at), ...ch.bytes, ...b.subarray(at)]));
  }
  return out;
}

/** Whether path `p` only exists in the document because a key holds a dot (it cannot be followed). */
function hasDottedKey(bytes: Uint8Array, p: string): boolean {
  let v: unknown = JSON.parse(decoder.decode(bytes));
  for (const m of p.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) {
    const key = m[2] !== undefined ? Number(m[2]) : m[1];
    if (v === null || typeof v !== 'object' || !(key in (v as object))) return true;
    v = (v as Record<string | number, unknown>)[key];
  }
  return false;
}

const isJson = (f: string) => f.endsWith('.json');
const isGraph = (f: string) => f.endsWith('.onnx');

/** A case: a family, one of its files, and a change fitting the file's kind. */
const cases: fc.Arbitrary<Case> = fc
  .record({ family: fc.constantFrom(...TINY_FAMILIES), pick: fc.nat() })
  .chain(({ family, pick }) => {
    const names = [...repos.get(family)!.keys()].filter(
      (f) => isJson(f) || isGraph(f) || f.endsWith('.jinja'),
    );
    const file = names[pick % names.length];
    const bytes = repos.get(family)!.get(file)!;
    let change: fc.Arbitrary<Change>;
    if (isJson(file)) {
      // Keys with a dot in them (`transformers.js_config`) cannot be written as a path: their fields are skipped.
      const all = paths(JSON.parse(decoder.decode(bytes)) as Json).filter(
        (p) => !p.includes('.') || !hasDottedKey(bytes, p),
      );
      change = fc
        .record({ p: fc.nat(), m: mutation })
        .map(({ p, m }) => ({ kind: 'json' as const, path: all[p % all.length], m }));
    } else if (isGraph(file)) {
      change = fc.record({
        kind: fc.constant('bytes' as const),
        // Most cases in the first few hundred bytes: the header, the graph's fields, the first tensors.
        at: fc.oneof(fc.nat(512), fc.nat(bytes.length)),
        op: fc.constantFrom('flip' as const, 'cut' as const, 'splice' as const),
        bytes: fc.array(fc.integer({ min: 0, max: 255 }), { minLength: 1, maxLength: 12 }),
      });
    } else {
      change = fc.record({
        kind: fc.constant('text' as const),
        at: fc.nat(),
        op: fc.constantFrom('cut' as const, 'splice' as const),
        text: fc.constantFrom(
          '{%',
          '{{',
          '{% for x in range(99999999) %}',
          '{{ "x" * 999999999 }}',
          '}}',
          '\u0000',
          '{% endfor %}',
        ),
      });
    }
    return change.map((c) => ({ family, file, change: c }));
  });

/** Prepares the case; returns null when it prepared, else the refusal's message. */
async function run(c: Case): Promise<string | null> {
  const source = sourceOf(apply(repos.get(c.family)!, c));
  try {
    const prepared = await prepareRepoModel(source, {
      prefer: 'wasm',
      webgpuAvailable: async () => 'not in Node',
    });
    prepared.adapter.prepare(image, { question: DEFAULT_QUESTION, tier: 1, sizing: PAPER_SIZING });
    return null;
  } catch (e) {
    if (!(e instanceof Error))
      throw new Error(`threw a ${typeof e}, not an Error: ${String(e)}`, { cause: e });
    return e.message;
  }
}

const describeCase = (c: Case) =>
  `${c.family} ${c.file} ${c.change.kind === 'json' ? `${c.change.path} ${JSON.stringify(c.change.m)}` : JSON.stringify(c.change)}`;

describe('repo folders, mutated file by file, are prepared or refused in one clean line', () => {
  it('every family’s tiny repo prepares as it is', async () => {
    for (const family of TINY_FAMILIES)
      expect(await run({ family, file: 'config.json', change: noChange })).toBeNull();
  });

  it(
    `takes ${RUNS} mutated repos without another exception`,
    async () => {
      const seen = { prepared: 0, refused: 0 };
      await fc.assert(
        fc.asyncProperty(cases, async (c) => {
          const t0 = cpuNow();
          const message = await run(c);
          const ms = cpuNow() - t0;
          expect(ms, `${describeCase(c)}: CPU ms`).toBeLessThan(2000);
          if (message === null) {
            seen.prepared++;
            return;
          }
          seen.refused++;
          expect(message, describeCase(c)).not.toMatch(/[\r\n]/);
          expect(message.length, describeCase(c)).toBeGreaterThan(0);
          expect(message.length, describeCase(c)).toBeLessThan(2000);
          expect(message, describeCase(c)).not.toMatch(RAW_JS);
        }),
        { numRuns: RUNS },
      );
      // Both sides are exercised: many changes keep a repo usable, many break it.
      expect(seen.prepared).toBeGreaterThan(RUNS * 0.05);
      expect(seen.refused).toBeGreaterThan(RUNS * 0.2);
      console.log(`repo fuzzing: ${seen.prepared} prepared, ${seen.refused} refused in one line`);
    },
    TIMEOUT,
  );
});

/** A JSON change that changes nothing (a value replaced by itself is not expressible; the model type kept). */
const noChange: Change = { kind: 'json', path: 'model_type', m: { kind: 'truncate', keep: 1000 } };

import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readDataset } from '../src/cli/dataset';
import { readTraceFile } from '../src/cli/trace-file';
import {
  ablationMaps,
  MAP_MODES,
  prepareTrace,
  readAnswer,
  resizeBilinear,
  withDefaults,
  type AnyTrace,
  type EvalReport,
} from '../src/real';
import { writeMvtec, writeVisa } from './datasets/layouts';

/**
 * `real eval` on dataset layouts built from the shipped set's generated
 * defect images (tests/datasets/layouts.ts), with the demo model: the layouts
 * as distributed, per-category reports checked against scikit-learn and an
 * AUPRO written from its definition (tests/datasets/metrics_reference.py),
 * two shards merged equal to one process, resuming, and bad input.
 */
const MODEL = 'public/models/real-demo-v1';
const PY = '/usr/bin/python3';
const LONG = 600_000;

function real(...args: string[]) {
  const r = spawnSync('npm', ['run', '--silent', 'real', '--', ...args], { encoding: 'utf8', timeout: LONG });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^npm warn.*\n/gm, '') };
}

const tmp = () => mkdtempSync(join(tmpdir(), 'real-datasets-'));

/** Only the trace files, relative, sorted (code-unit order). */
function traces(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const d of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${d.name}` : d.name;
    if (d.isDirectory()) out.push(...traces(dir, r));
    else if (/\.(json|rtrace)$/.test(d.name) && !(rel === '' && d.name.startsWith('report'))) out.push(r);
  }
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

function maskBits(path: string): Uint8Array {
  const png = PNG.sync.read(readFileSync(path));
  return Uint8Array.from({ length: png.width * png.height }, (_, i) => (png.data[i * 4] > 127 ? 1 : 0));
}

const CATEGORIES = ['brick', 'carpet', 'wood'];

describe('real eval on an MVTec AD layout', () => {
  let root: string;
  let out: string;
  let one: { status: number | null; stdout: string; stderr: string };
  let report: EvalReport;

  beforeAll(() => {
    root = join(tmp(), 'mvtec');
    writeMvtec(root, { categories: CATEGORIES, perLabel: 4 });
    out = join(tmp(), 'out');
    one = real('eval', root, '--model', MODEL, '--traces', out, '--format', 'md');
    expect(one.stderr).not.toMatch(/^real:/m);
    expect(one.status).toBe(0);
    report = JSON.parse(one.stdout);
  }, LONG);

  it(
    'reads the categories, mirrors the layout in the traces and writes the summary, report and table',
    () => {
      expect(Object.keys(report.categories!)).toEqual(CATEGORIES);
      expect(report.images).toBe(24);
      for (const c of CATEGORIES) expect(report.categories![c]).toMatchObject({ images: 8, anomalous: 4 });
      const files = traces(out);
      expect(files).toHaveLength(24);
      expect(files).toContain('brick/test/good/000.json');
      expect(files.filter((f) => /^wood\/test\/(?!good)[a-z]+\/00\d\.json$/.test(f))).toHaveLength(4);
      const lines = readFileSync(join(out, 'summary.jsonl'), 'utf8').trim().split('\n');
      expect(JSON.parse(lines[0])).toMatchObject({
        format: 'real-run-summary',
        dataset: { layout: 'mvtec' },
      });
      const rows = lines.slice(1).map((l) => JSON.parse(l));
      expect(rows.map((r) => r.trace)).toEqual(files);
      expect(rows.find((r) => r.trace === 'brick/test/good/000.json')).toMatchObject({
        category: 'brick',
        defect: 'good',
        label: 0,
        id: 'brick/test/good/000',
      });
      expect(
        rows.every((r) => typeof r.thumbnail === 'string' && r.thumbnail.startsWith('data:image/jpeg')),
      ).toBe(true);
      expect(JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))).toEqual(report);
      const md = readFileSync(join(out, 'table.md'), 'utf8');
      for (const c of [...CATEGORIES, 'mean'])
        for (const m of ['All tokens', 'S_I only', 'S_T only', 'ReAL (S_T and S_I)'])
          expect(md).toContain(`| ${c} | ${m} |`);
      // The table on standard error has the same layout.
      expect(one.stderr).toMatch(/Table 3 layout, per category/);
      expect(one.stderr).toMatch(/^mean\s+All tokens/m);
    },
    LONG,
  );

  it(
    'gives per-category numbers equal to scikit-learn and an AUPRO from its definition',
    () => {
      if (spawnSync(PY, ['-c', 'import sklearn, scipy']).status !== 0)
        throw new Error('needs python3-sklearn and python3-scipy (bash scripts/setup.sh test installs them)');
      const settings = withDefaults();
      const work = tmp();
      type Pool = { name: string; scores: number[]; labels: number[]; images: number[][] };
      const pools = new Map<string, Pool>();
      const pool = (name: string) => {
        if (!pools.has(name)) pools.set(name, { name, scores: [], labels: [], images: [] });
        return pools.get(name)!;
      };
      const image = new Map<string, { scores: number[]; labels: number[]; predicted: (number | null)[] }>();
      for (const f of traces(out)) {
        const trace = readTraceFile(join(out, f)) as AnyTrace;
        const [category, , defect, file] = f.split('/');
        const name = file.replace('.json', '');
        // The ground truth straight from the dataset's own files, not from the trace.
        const mask =
          defect === 'good'
            ? null
            : maskBits(join(root, category, 'ground_truth', defect, `${name}_mask.png`));
        const png = PNG.sync.read(readFileSync(join(root, category, 'test', defect, `${name}.png`)));
        const maps = ablationMaps(prepareTrace(trace, settings), settings);
        for (const m of MAP_MODES) {
          const scores = resizeBilinear(maps[m], trace.grid.rows, trace.grid.cols, png.height, png.width);
          for (const p of [`${category}/${m}/all`, ...(mask ? [`${category}/${m}/anomalous`] : [])].map(
            pool,
          )) {
            p.images.push([p.scores.length, png.width, png.height]);
            for (let i = 0; i < scores.length; i++) {
              p.scores.push(scores[i]);
              p.labels.push(mask ? mask[i] : 0);
            }
          }
        }
        if (!image.has(category)) image.set(category, { scores: [], labels: [], predicted: [] });
        const im = image.get(category)!;
        im.scores.push(trace.answerProbability!);
        im.labels.push(mask ? 1 : 0);
        const a = readAnswer(trace.generated).answer;
        im.predicted.push(a === 'yes' ? 1 : a === 'no' ? 0 : null);
      }
      const manifest = {
        pools: [...pools.values()].map((p, i) => {
          writeFileSync(join(work, `s${i}.f32`), Buffer.from(Float32Array.from(p.scores).buffer));
          writeFileSync(join(work, `l${i}.u8`), Uint8Array.from(p.labels));
          return { name: p.name, scores: `s${i}.f32`, labels: `l${i}.u8`, images: p.images };
        }),
        image: [...image].map(([name, v]) => ({ name: `image/${name}`, ...v })),
      };
      writeFileSync(join(work, 'manifest.json'), JSON.stringify(manifest));
      const py = spawnSync(PY, ['tests/datasets/metrics_reference.py', work], {
        encoding: 'utf8',
        timeout: LONG,
      });
      expect(py.stderr).toBe('');
      const ref = JSON.parse(py.stdout);
      let worst = { auroc: 0, ap: 0, f1: 0, aupro: 0 };
      const close = (got: number, want: number, tol: number, k: keyof typeof worst) => {
        expect(Math.abs(got - want)).toBeLessThan(tol);
        worst = { ...worst, [k]: Math.max(worst[k], Math.abs(got - want)) };
      };
      for (const c of CATEGORIES) {
        for (const m of MAP_MODES)
          for (const which of ['all', 'anomalous'] as const) {
            const got = report.categories![c].pixel[m][which];
            const want = ref[`${c}/${m}/${which}`];
            close(got.auroc, want.auroc, 1e-6, 'auroc');
            close(got.aupr, want.ap, 1e-6, 'ap');
            close(got.f1Max, want.f1max, 1e-6, 'f1');
            close(got.aupro, want.aupro, 1e-3, 'aupro');
          }
        const img = report.categories![c].image;
        const want = ref[`image/${c}`];
        close(img.auroc, want.auroc, 1e-6, 'auroc');
        close(img.aupr, want.ap, 1e-6, 'ap');
        close(img.f1Max, want.f1max, 1e-6, 'f1');
        expect(img.acc).toBeCloseTo(want.acc, 12);
      }
      // The mean is the macro average of the categories.
      for (const m of MAP_MODES) {
        const mean = CATEGORIES.reduce((s, c) => s + ref[`${c}/${m}/all`].aupro, 0) / CATEGORIES.length;
        close(report.mean!.pixel[m].all.aupro, mean, 1e-3, 'aupro');
      }
      console.log(`largest difference from the reference: ${JSON.stringify(worst)}`);
    },
    LONG,
  );

  it(
    'gives, over two shards merged, exactly the numbers of one process; a rerun resumes',
    () => {
      const merged = join(tmp(), 'merged');
      const a = real('eval', root, '--model', MODEL, '--traces', merged, '--shard', '0/2');
      const b = real('eval', root, '--model', MODEL, '--traces', merged, '--shard', '1/2');
      expect([a.status, b.status]).toEqual([0, 0]);
      expect(a.stderr).toMatch(/\[shard 0\/2\] +12\/12 images/);
      expect(a.stderr).toMatch(/images\/min/);
      const shard0 = readFileSync(join(merged, 'summary.shard-0-of-2.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .slice(1);
      const shard1 = readFileSync(join(merged, 'summary.shard-1-of-2.jsonl'), 'utf8')
        .trim()
        .split('\n')
        .slice(1);
      const keys0 = shard0.map((l) => JSON.parse(l).trace);
      const keys1 = shard1.map((l) => JSON.parse(l).trace);
      expect(keys0).toHaveLength(12);
      expect([...keys0, ...keys1].sort()).toEqual(traces(out));
      expect(existsSync(join(merged, 'report.shard-0-of-2.json'))).toBe(true);
      const m = real('eval-traces', merged);
      expect(m.status).toBe(0);
      expect(m.stdout).toBe(one.stdout);
      expect(readFileSync(join(merged, 'summary.jsonl'), 'utf8').trim().split('\n')).toHaveLength(25);

      // A killed run: one trace gone, one cut short, a temporary file left behind.
      rmSync(join(merged, keys0[0]));
      truncateSync(join(merged, keys0[1]), 100);
      writeFileSync(join(merged, `${keys0[2]}.partial-1-abc`), '{');
      const again = real('eval', root, '--model', MODEL, '--traces', merged, '--shard', '0/2');
      expect(again.status).toBe(0);
      expect(again.stderr).toMatch(/12\/12 images {2}\(10 from earlier traces\)/);
      expect(real('eval-traces', merged).stdout).toBe(one.stdout);
    },
    LONG,
  );
});

describe('real eval refuses bad input in one line, writing nothing', () => {
  const mvtec = () => {
    const root = join(tmp(), 'mvtec');
    writeMvtec(root, { categories: ['grass'], perLabel: 1 });
    return root;
  };
  const refused = (args: string[], message: RegExp) => {
    const out = join(tmp(), 'out');
    const r = real('eval', ...args, '--model', MODEL, '--traces', out);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
    expect(r.status).toBe(2);
    expect(existsSync(out)).toBe(false);
  };

  it(
    'a folder that is no known layout',
    () => {
      const root = tmp();
      writeFileSync(join(root, 'notes.txt'), 'x');
      mkdirSync(join(root, 'images'));
      refused(
        [root],
        /not a known dataset layout: expected index\.json, split_csv\/1cls\.csv \(VisA\) or <category>\/test\/<defect>\//,
      );
    },
    LONG,
  );

  it(
    'a mask of the wrong size, an image without its mask',
    () => {
      const root = mvtec();
      const gt = join(root, 'grass', 'ground_truth');
      const defect = readdirSync(gt)[0];
      const small = new PNG({ width: 50, height: 40 });
      writeFileSync(join(gt, defect, '000_mask.png'), PNG.sync.write(small));
      refused([root], /000_mask\.png: the mask is 50×40, the image 96×96/);
      rmSync(join(gt, defect, '000_mask.png'));
      refused([root], /000\.png: no mask \(expected .*ground_truth\/[a-z]+\/000_mask\.png/);
    },
    LONG,
  );

  it(
    'shard specs out of range, an unknown category or layout',
    () => {
      const root = mvtec();
      for (const s of ['3/2', '0/0', 'a/b'])
        refused([root, '--shard', s], new RegExp(`--shard ${s}: expected I/N with N ≥ 1 and 0 ≤ I < N`));
      refused([root, '--category', 'nope'], /--category nope: not a category of .* \(it has grass\)/);
      refused([root, '--layout', 'visa'], /split_csv\/1cls\.csv/);
      refused([root, '--layout', 'coco'], /--layout coco: expected mvtec, visa, index/);
    },
    LONG,
  );
});

describe('real eval on small layouts', () => {
  it(
    'says which numbers are undefined for a category with no anomalous image',
    () => {
      const root = join(tmp(), 'mvtec');
      writeMvtec(root, { categories: ['brick', 'grass'], perLabel: 1 });
      rmSync(
        join(
          root,
          'grass',
          'test',
          readdirSync(join(root, 'grass', 'test')).find((d) => d !== 'good')!,
        ),
        {
          recursive: true,
        },
      );
      rmSync(join(root, 'grass', 'ground_truth'), { recursive: true });
      const r = real('eval', root, '--model', MODEL, '--format', 'csv', '--table', join(root, '..', 't.csv'));
      expect(r.status).toBe(0);
      const rep = JSON.parse(r.stdout);
      expect(rep.categories.grass.pixel.both.all.auroc).toBeNull();
      expect(rep.categories.grass.pixel.both.all.aupro).toBeNull();
      expect(rep.categories.grass.image.auroc).toBeNull();
      expect(rep.categories.brick.pixel.both.all.auroc).toBeGreaterThan(0);
      // The mean is over the category that has the number.
      expect(rep.mean.pixel.both.all.auroc).toBe(rep.categories.brick.pixel.both.all.auroc);
      expect(rep.mean.undefinedIn['pixel.both.all.auroc']).toEqual(['grass']);
      expect(r.stderr).toMatch(/grass: no anomalous image, so AUROC, AUPR, F1-max and AUPRO are undefined/);
      const csv = readFileSync(join(root, '..', 't.csv'), 'utf8');
      expect(csv.split('\n')[0]).toBe(
        'set,map,images,anomalous,image AUROC,image AUPR,image F1-max,image ACC,pixel AUROC,pixel AUPR,pixel F1-max,pixel AUPRO',
      );
      expect(csv).toMatch(/^grass,ReAL \(S_T and S_I\),1,0,n\/a,/m);
    },
    LONG,
  );

  it(
    'goes on past an image that fails, names it at the end and exits 1',
    () => {
      const root = join(tmp(), 'mvtec');
      writeMvtec(root, { categories: ['metal'], perLabel: 2 });
      // A valid header with a broken body: the size check passes, decoding fails.
      const bad = join(root, 'metal', 'test', 'good', '001.png');
      const bytes = readFileSync(bad);
      writeFileSync(bad, Buffer.concat([bytes.subarray(0, 40), Buffer.alloc(200, 7)]));
      const out = join(tmp(), 'out');
      const r = real('eval', root, '--model', MODEL, '--traces', out);
      expect(r.status).toBe(1);
      expect(JSON.parse(r.stdout).images).toBe(3);
      expect(r.stderr).toMatch(
        /1 of 4 images failed \(the report is of the rest\):\n {2}.*metal\/test\/good\/001\.png: /,
      );
      expect(traces(out)).toHaveLength(3);
    },
    LONG,
  );

  it(
    'reads VisA’s split file and its class-index masks',
    () => {
      const root = join(tmp(), 'visa');
      writeVisa(root, { categories: ['fabric', 'tiles'], perLabel: 1 });
      const set = readDataset(root);
      expect(set.layout).toBe('visa');
      expect(set.categories).toEqual(['fabric', 'tiles']);
      // The train rows are left out.
      expect(set.entries.map((e) => e.key)).toEqual([
        'fabric/test/bad/0001',
        'fabric/test/good/0000',
        'tiles/test/bad/0003',
        'tiles/test/good/0002',
      ]);
      const out = join(tmp(), 'out');
      const r = real('eval', root, '--model', MODEL, '--traces', out, '--trace-format', 'rtrace');
      expect(r.status).toBe(0);
      const rep = JSON.parse(r.stdout);
      // Masks of value 1 and 2 (not 255) count as anomalous.
      const positives = set.entries
        .filter((e) => e.mask)
        .reduce((n, e) => {
          const png = PNG.sync.read(readFileSync(e.mask!));
          let k = 0;
          for (let i = 0; i < png.width * png.height; i++) if (png.data[i * 4] !== 0) k++;
          return n + k;
        }, 0);
      expect(positives).toBeGreaterThan(0);
      expect(rep.pixel.both.all.positives).toBe(positives);
      expect(traces(out)).toEqual(set.entries.map((e) => `${e.key}.rtrace`));
      expect(real('eval-traces', out).stdout).toBe(r.stdout);
    },
    LONG,
  );
});

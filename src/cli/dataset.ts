import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { checkImageHeader, imageSizeFromHeader } from '../workers/engine/image-header';
import { fileNameFromId, pathInside, readInputChunks, readInputText } from './safe-file';

/**
 * The evaluation sets `real eval ROOT` reads, as they are distributed:
 *
 * - `mvtec`: MVTec AD (and WFDD, DTD-Synthetic, which use its layout):
 *   `ROOT/<category>/test/<defect>/<name>.png`, `good` for normal images, and
 *   `ROOT/<category>/ground_truth/<defect>/<name>_mask.png` for each anomalous
 *   one (anomalib's MVTec AD reader also takes `<name>.png` there). ROOT may
 *   also be one category's folder (it has `test/` itself).
 * - `visa`: VisA as downloaded: `ROOT/split_csv/1cls.csv` (columns object,
 *   split, label, image, mask; label `normal` or `anomaly`; paths relative to
 *   ROOT), the test rows only; masks hold class indices, so any non-zero value
 *   is anomalous (as anomalib's VisA preparation binarises them).
 * - `index`: `ROOT/index.json`, `[{id, image, mask, label}]` (public/samples).
 *
 * Each image gets a key, the relative path its trace mirrors under `--traces
 * OUT` (without extension): `<category>/test/<defect>/<name>` for the first
 * two (VisA's defect folders are `good` and `bad`, as anomalib names them),
 * the id for an index. Entries are sorted by key (code-unit order), which is
 * also the order shards are cut in and the order eval-traces reads.
 */
export type Layout = 'mvtec' | 'visa' | 'index';
export const LAYOUTS: readonly Layout[] = ['mvtec', 'visa', 'index'];

/** How a mask image's pixels become 0/1. */
export type MaskRule = 'bright' | 'nonzero';

export interface DatasetEntry {
  key: string;
  category: string | null;
  defect: string | null;
  label: 0 | 1;
  /** Absolute paths. */
  image: string;
  mask: string | null;
}

export interface Dataset {
  layout: Layout;
  root: string;
  /** The root's base name. */
  name: string;
  /** The categories in order, or null for a set without them. */
  categories: string[] | null;
  maskRule: MaskRule;
  entries: DatasetEntry[];
}

/** A dataset the reader cannot make sense of: one line naming the path and what was expected. */
export class DatasetError extends Error {
  override name = 'DatasetError';
}

const IMAGE_EXT = /\.(png|jpe?g)$/i;
const MVTEC_EXPECTED =
  'MVTec AD layout: <category>/test/good/*.png, <category>/test/<defect>/*.png, <category>/ground_truth/<defect>/<name>_mask.png';

const byKey = (a: DatasetEntry, b: DatasetEntry) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function listDir(p: string): string[] {
  return readdirSync(p)
    .filter((n) => !n.startsWith('.'))
    .sort();
}

export function detectLayout(root: string): Layout | null {
  if (existsSync(join(root, 'index.json'))) return 'index';
  if (existsSync(join(root, 'split_csv', '1cls.csv'))) return 'visa';
  if (isDir(join(root, 'test')) || listDir(root).some((n) => isDir(join(root, n, 'test')))) return 'mvtec';
  return null;
}

export interface ReadDatasetOptions {
  layout?: Layout;
  category?: string;
  /** Index ids must be plain file names (they name trace files). */
  idsAreFileNames?: boolean;
}

export function readDataset(root: string, options: ReadDatasetOptions = {}): Dataset {
  if (!isDir(root)) throw new DatasetError(`${root}: not a folder (expected a dataset's root folder)`);
  const layout = options.layout ?? detectLayout(root);
  if (!layout)
    throw new DatasetError(
      `${root}: not a known dataset layout: expected index.json, split_csv/1cls.csv (VisA) or <category>/test/<defect>/ folders (MVTec AD)`,
    );
  const name = basename(root.replace(/[/\\]+$/, '')) || root;
  let set: Dataset;
  if (layout === 'mvtec') set = readMvtec(root, name);
  else if (layout === 'visa') set = readVisa(root, name);
  else set = readIndex(root, name, options.idsAreFileNames ?? false);
  if (options.category !== undefined) {
    if (!set.categories)
      throw new DatasetError(`--category ${options.category}: ${root} (${layout} layout) has no categories`);
    if (!set.categories.includes(options.category))
      throw new DatasetError(
        `--category ${options.category}: not a category of ${root} (it has ${set.categories.join(', ')})`,
      );
    set.categories = [options.category];
    set.entries = set.entries.filter((e) => e.category === options.category);
  }
  return set;
}

function readMvtec(root: string, name: string): Dataset {
  const single = isDir(join(root, 'test'));
  const categories = single ? [name] : listDir(root).filter((n) => isDir(join(root, n, 'test')));
  if (categories.length === 0)
    throw new DatasetError(`${root}: no <category>/test/ folder (${MVTEC_EXPECTED})`);
  const entries: DatasetEntry[] = [];
  for (const category of categories) {
    fileNameFromId(category, `${root}: category`);
    const dir = single ? root : join(root, category);
    const test = join(dir, 'test');
    const defects = listDir(test).filter((d) => isDir(join(test, d)));
    let count = 0;
    for (const defect of defects) {
      const label = defect === 'good' ? 0 : 1;
      for (const file of listDir(join(test, defect))) {
        if (!IMAGE_EXT.test(file)) continue;
        const stem = file.slice(0, -extname(file).length);
        const image = join(test, defect, file);
        let mask: string | null = null;
        if (label === 1) {
          const gt = join(dir, 'ground_truth', defect);
          const candidates = [`${stem}_mask`, stem].flatMap((s) =>
            ['.png', '.PNG', '.jpg', '.JPG'].map((x) => s + x),
          );
          mask = candidates.map((c) => join(gt, c)).find((p) => existsSync(p)) ?? null;
          if (!mask)
            throw new DatasetError(
              `${image}: no mask (expected ${join(gt, `${stem}_mask.png`)}; ${MVTEC_EXPECTED})`,
            );
        }
        entries.push({ key: `${category}/test/${defect}/${stem}`, category, defect, label, image, mask });
        count++;
      }
    }
    if (count === 0) throw new DatasetError(`${test}: no images (${MVTEC_EXPECTED})`);
  }
  return {
    layout: 'mvtec',
    root,
    name,
    categories,
    maskRule: 'bright',
    entries: checkKeys(entries.sort(byKey)),
  };
}

/** One CSV line's fields (VisA's split files: plain fields, or double-quoted ones). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (line[i] === '"') {
      i++;
      for (; i < line.length; i++) {
        if (line[i] === '"' && line[i + 1] === '"') {
          field += '"';
          i++;
        } else if (line[i] === '"') {
          i++;
          break;
        } else field += line[i];
      }
    }
    const comma = line.indexOf(',', i);
    field += comma < 0 ? line.slice(i) : line.slice(i, comma);
    out.push(field.trim());
    if (comma < 0) return out;
    i = comma + 1;
  }
}

function readVisa(root: string, name: string): Dataset {
  const where = join(root, 'split_csv', '1cls.csv');
  const lines = readInputText(where, 'index', { inside: root })
    .split(/\r?\n/)
    .filter((l) => l.trim() !== '');
  const header = lines.length ? csvFields(lines[0]) : [];
  const col = Object.fromEntries(
    ['object', 'split', 'label', 'image', 'mask'].map((c) => [c, header.indexOf(c)]),
  );
  const missing = Object.entries(col).filter(([, i]) => i < 0);
  if (missing.length)
    throw new DatasetError(
      `${where}: expected the columns object,split,label,image,mask (VisA's 1cls.csv); ${missing.map(([c]) => c).join(', ')} missing`,
    );
  const entries: DatasetEntry[] = [];
  const categories = new Set<string>();
  for (let n = 1; n < lines.length; n++) {
    const f = csvFields(lines[n]);
    const at = `${where}: line ${n + 1}`;
    if (f[col.split] !== 'test') continue;
    const category = fileNameFromId(f[col.object] ?? '', `${at}: object`);
    const labelText = f[col.label];
    if (labelText !== 'normal' && labelText !== 'anomaly')
      throw new DatasetError(`${at}: label ${JSON.stringify(labelText)}: expected normal or anomaly`);
    const label = labelText === 'anomaly' ? 1 : 0;
    const image = pathInside(root, f[col.image] ?? '', `${at}: image`);
    if (!existsSync(image)) throw new DatasetError(`${at}: ${image}: no such image`);
    let mask: string | null = null;
    if (label === 1) {
      if (!f[col.mask]) throw new DatasetError(`${at}: an anomalous image needs its mask`);
      mask = pathInside(root, f[col.mask], `${at}: mask`);
      if (!existsSync(mask)) throw new DatasetError(`${at}: ${mask}: no such mask`);
    }
    const file = basename(image);
    const stem = fileNameFromId(file.slice(0, file.length - extname(file).length), `${at}: image`);
    const defect = label ? 'bad' : 'good';
    categories.add(category);
    entries.push({ key: `${category}/test/${defect}/${stem}`, category, defect, label, image, mask });
  }
  if (entries.length === 0) throw new DatasetError(`${where}: no test rows (expected split "test" rows)`);
  return {
    layout: 'visa',
    root,
    name,
    categories: [...categories].sort(),
    maskRule: 'nonzero',
    entries: checkKeys(entries.sort(byKey)),
  };
}

function checkKeys(entries: DatasetEntry[]): DatasetEntry[] {
  for (let i = 1; i < entries.length; i++)
    if (entries[i].key === entries[i - 1].key)
      throw new DatasetError(
        `${entries[i].image}: has the same trace name as ${entries[i - 1].image} (${entries[i].key}); each image needs its own`,
      );
  return entries;
}

/**
 * The index, checked before anything runs: image and mask paths must stay in
 * DIR, and with --traces every id must be a plain file name, once.
 */
function readIndex(dir: string, name: string, idsAreFileNames: boolean): Dataset {
  const where = join(dir, 'index.json');
  let json: unknown;
  const text = readInputText(where, 'index', { inside: dir });
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new DatasetError(`${where}: not JSON (${(e as Error).message})`, { cause: e });
  }
  if (!Array.isArray(json) || json.length === 0)
    throw new DatasetError(`${where}: expected a non-empty list of images`);
  const seen = new Map<string, number>();
  const entries = json.map((e, i): DatasetEntry => {
    if (typeof e?.image !== 'string' || (e.label !== 0 && e.label !== 1)) {
      throw new DatasetError(`${where}: [${i}]: expected { image, mask, label: 0 | 1 }`);
    }
    if (e.label === 1 && typeof e.mask !== 'string')
      throw new DatasetError(`${where}: [${i}].mask: an anomalous image needs its mask`);
    if (e.mask !== undefined && e.mask !== null && typeof e.mask !== 'string')
      throw new DatasetError(`${where}: [${i}].mask: expected a path or null`);
    if (e.id !== undefined && typeof e.id !== 'string')
      throw new DatasetError(`${where}: [${i}].id: expected a string`);
    const id: string = e.id ?? basename(e.image);
    if (idsAreFileNames) fileNameFromId(id, `${where}: [${i}].id`);
    const other = seen.get(id);
    if (other !== undefined)
      throw new DatasetError(
        `${where}: [${i}].id ${JSON.stringify(id)}: also the id of [${other}]; each image needs its own`,
      );
    seen.set(id, i);
    const image = pathInside(dir, e.image, `${where}: [${i}].image`);
    const mask = typeof e.mask === 'string' ? pathInside(dir, e.mask, `${where}: [${i}].mask`) : null;
    const defect = typeof e.defect === 'string' ? e.defect : null;
    return { key: id, category: null, defect, label: e.label, image, mask };
  });
  return {
    layout: 'index',
    root: dir,
    name,
    categories: null,
    maskRule: 'bright',
    entries: entries.sort(byKey),
  };
}

/**
 * An image's size from its header, reading no more of the file than needed,
 * checked against the pixel limit (and a model input's minimum side).
 */
export function imageFileSize(
  path: string,
  kind: 'image' | 'mask',
  inside: string,
): { width: number; height: number } {
  let head = new Uint8Array(0);
  for (const chunk of readInputChunks(path, kind, { inside }, 64 * 1024)) {
    const joined = new Uint8Array(head.length + chunk.length);
    joined.set(head);
    joined.set(chunk, head.length);
    head = joined;
    if (imageSizeFromHeader(head)) {
      const h = checkImageHeader(head, path, kind === 'mask' ? 'mask' : 'model-input')!;
      return { width: h.width, height: h.height };
    }
    if (head.length >= 16 * 1024 * 1024) break;
  }
  throw new DatasetError(`${path}: not a PNG or JPEG image with a readable size`);
}

/** Parses `--shard I/N` (I counted from 0). */
export function parseShard(raw: string): { index: number; count: number } {
  const m = /^(\d{1,6})\/(\d{1,6})$/.exec(raw);
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || !(count >= 1) || !(index < count))
    throw new DatasetError(
      `--shard ${raw}: expected I/N with N ≥ 1 and 0 ≤ I < N (I counts from 0, as SLURM_ARRAY_TASK_ID does)`,
    );
  return { index, count };
}

/** The I-th of N disjoint slices of the sorted entries: every N-th from the I-th. */
export function shardOf<T>(entries: readonly T[], shard: { index: number; count: number } | null): T[] {
  return shard ? entries.filter((_, k) => k % shard.count === shard.index) : [...entries];
}

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PNG } from 'pngjs';
import { binaryTraceParts, serializeTrace, type Trace } from '../src/real';
import { buildTrace } from './trace-builder';

/**
 * A run set for tests and screenshots: traces in MVTec AD's layout
 * (`<category>/test/<defect>/<name>.json` or `.rtrace`), each a small
 * generated run over a generated image of a texture with a defect blob. The
 * reasoning names the defect in sub-word pieces (`▁scr` `atch`); the tokens
 * that name it look at the blob (and at the prompt's anomaly words), the
 * others spread over the image. Answers are right most of the time, wrong
 * some, and cut off before `<answer>` now and then, so every outcome occurs.
 * Deterministic for a seed.
 */

export const CATEGORIES: Record<string, string[]> = {
  bottle: ['broken_large', 'contamination'],
  carpet: ['color', 'hole'],
  grid: ['bent', 'broken'],
  leather: ['cut', 'fold'],
  wood: ['scratch', 'hole'],
};

const TEXTURE: Record<string, [number, number, number]> = {
  bottle: [70, 110, 80],
  carpet: [150, 90, 70],
  grid: [130, 130, 140],
  leather: [120, 80, 50],
  wood: [170, 130, 80],
};

/** How the reasoning names each defect: a word in pieces (the first piece starts the word). */
const DEFECT_WORDS: Record<string, string[]> = {
  broken_large: ['▁crack'],
  contamination: ['▁st', 'ain'],
  color: ['▁disc', 'olor', 'ation'],
  hole: ['▁hole'],
  bent: ['▁bent'],
  broken: ['▁broken'],
  cut: ['▁cut'],
  fold: ['▁fold'],
  scratch: ['▁scr', 'atch'],
};

const FILLER = [['▁the'], ['▁surface'], ['▁looks'], ['▁uniform'], ['▁texture'], ['▁near'], ['▁edge']];
const PROMPT = ['▁Are', '▁there', '▁any', '▁defects', '▁or', '▁anomal', 'ies', '?'];

/** mulberry32: a small seeded generator, so a fixture is the same on every machine. */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pngDataUrl(width: number, height: number, rgb: (x: number, y: number) => [number, number, number]) {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const [r, g, b] = rgb(x, y);
      png.data[i] = r;
      png.data[i + 1] = g;
      png.data[i + 2] = b;
      png.data[i + 3] = 255;
    }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

export interface FixtureRun {
  /** The file's path relative to the set's root, with `/`. */
  path: string;
  id: string;
  category: string;
  defect: string;
  trace: Trace;
}

export interface RunOptions {
  category: string;
  defect: string;
  /** The image's name (its id's last part). */
  name: string;
  rows: number;
  cols: number;
  /** Image side, pixels. */
  size?: number;
  /** The blob's centre and radius as fractions of the image. */
  blob?: { x: number; y: number; r: number };
  /** The answer: right, wrong, or cut off before `<answer>`. */
  outcome: 'right' | 'wrong' | 'cut';
  pYes?: number;
  random: () => number;
  /** A version-2 trace (the image with its size) instead of version 1. */
  version2?: boolean;
  /** The tokens that name the defect look somewhere else: a map that misses it. */
  miss?: boolean;
}

/** One generated run; the same image (category, name, blob) gives the same picture at any grid. */
export function fixtureRun(o: RunOptions): Trace {
  const { rows, cols, random } = o;
  const size = o.size ?? 64;
  const cells = rows * cols;
  const anomalous = o.defect !== 'good';
  const blob = o.blob ?? { x: 0.5, y: 0.5, r: 0.15 };
  const inBlob = (fx: number, fy: number) => (fx - blob.x) ** 2 + (fy - blob.y) ** 2 <= blob.r ** 2;
  const [tr, tg, tb] = TEXTURE[o.category] ?? [120, 120, 120];
  const image = pngDataUrl(size, size, (x, y) => {
    const stripe = ((x + 2 * y) % 8 < 4 ? 12 : -12) + ((x * 7 + y * 13) % 5);
    if (anomalous && inBlob((x + 0.5) / size, (y + 0.5) / size)) return [30, 25, 20];
    return [tr + stripe, tg + stripe, tb + stripe];
  });
  const mask = anomalous
    ? pngDataUrl(size, size, (x, y) =>
        inBlob((x + 0.5) / size, (y + 0.5) / size) ? [255, 255, 255] : [0, 0, 0],
      )
    : undefined;
  // A map concentrated on the blob (or a random place on a normal image), and a diffuse one.
  const elsewhere = { x: 0.2 + 0.6 * random(), y: 0.2 + 0.6 * random() };
  const focus = (strength: number) => {
    const m = new Array<number>(cells);
    const on = anomalous && !o.miss;
    const cx = on ? blob.x : o.miss ? elsewhere.x : 0.2 + 0.6 * random();
    const cy = on ? blob.y : o.miss ? elsewhere.y : 0.2 + 0.6 * random();
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++) {
        const d2 = ((c + 0.5) / cols - cx) ** 2 + ((r + 0.5) / rows - cy) ** 2;
        m[r * cols + c] =
          (0.002 + 0.6 * random() + strength * Math.exp(-d2 / (2 * (blob.r * 0.8) ** 2))) / cells;
      }
    return m;
  };
  const diffuse = () => Array.from({ length: cells }, () => (0.5 + random()) / cells / 2);
  const anomalyAt = [3, 5, 6].map((i) => cells + i);
  const words: string[][] = [];
  const named = anomalous ? DEFECT_WORDS[o.defect] : ['▁nothing'];
  const fillers = 3 + Math.floor(random() * 4);
  for (let i = 0; i < fillers; i++) words.push(FILLER[Math.floor(random() * FILLER.length)]);
  words.splice(1 + Math.floor(random() * (words.length - 1)), 0, named);
  const generated: Parameters<typeof buildTrace>[0]['generated'] = [{ text: '<think>', special: true }];
  for (const w of words) {
    const salient = w === named;
    for (const piece of w) {
      const m = salient ? focus(anomalous ? 10 + 40 * random() : 2 + 8 * random()) : diffuse();
      const toWords = salient ? 0.05 + 0.05 * random() : 0.005 + 0.01 * random();
      const extra = Object.fromEntries(anomalyAt.map((p) => [p, toWords]));
      generated.push({
        text: piece,
        maps: [m, m.map((v) => v * (0.8 + 0.4 * random()))],
        extra: [extra, extra],
      });
    }
  }
  generated.push({ text: '</think>', special: true });
  const saysYes = o.outcome === 'right' ? anomalous : !anomalous;
  if (o.outcome !== 'cut') {
    generated.push({ text: '<answer>', special: true });
    generated.push({ text: saysYes ? '▁yes' : '▁no' });
    generated.push({ text: '</answer>', special: true });
  }
  const trace = buildTrace({ rows, cols, layers: 2, prompt: PROMPT, generated });
  trace.model = 'fixture';
  trace.label = anomalous ? 1 : 0;
  if (o.outcome !== 'cut') {
    const p = o.pYes ?? (saysYes ? 0.55 + 0.44 * random() : 0.01 + 0.44 * random());
    trace.answerProbability = Math.round(p * 1e4) / 1e4;
  }
  if (mask) trace.mask = mask;
  if (o.version2) {
    trace.version = 2;
    trace.image = { width: size, height: size, dataUrl: image };
  } else trace.image = image;
  return trace;
}

export interface FixtureOptions {
  grid?: { rows: number; cols: number };
  /** Image side, pixels. */
  size?: number;
  /** Share of answers cut off before `<answer>` (no P(yes): the set's image AUROC is then undefined, as the CLI says). */
  cut?: number;
}

/**
 * `count` runs spread over the categories and their defects (a third normal), in MVTec AD's layout;
 * a quarter of the anomalous ones have maps that miss the defect.
 */
export function fixtureRuns(count: number, seed = 1, opts: FixtureOptions = {}): FixtureRun[] {
  const grid = opts.grid ?? { rows: 8, cols: 8 };
  const size = opts.size ?? 64;
  const cut = opts.cut ?? 0.06;
  const random = seeded(seed);
  const cats = Object.keys(CATEGORIES);
  const runs: FixtureRun[] = [];
  for (let i = 0; i < count; i++) {
    const category = cats[i % cats.length];
    const defects = CATEGORIES[category];
    const k = Math.floor(i / cats.length) % (defects.length + 1);
    const defect = k === defects.length ? 'good' : defects[k];
    const name = String(i).padStart(3, '0');
    const roll = random();
    const outcome = roll < cut ? 'cut' : roll < cut + (1 - cut) * 0.25 ? 'wrong' : 'right';
    const blob = { x: 0.25 + 0.5 * random(), y: 0.25 + 0.5 * random(), r: 0.1 + 0.1 * random() };
    const miss = random() < 0.25;
    const trace = fixtureRun({
      category,
      defect,
      name,
      ...grid,
      size,
      blob,
      outcome,
      random,
      miss,
      version2: i % 2 === 0,
    });
    const ext = i % 4 === 3 ? 'rtrace' : 'json';
    runs.push({
      path: `${category}/test/${defect}/${name}.${ext}`,
      id: `${category}/test/${defect}/${name}`,
      category,
      defect,
      trace,
    });
  }
  return runs;
}

/** Writes runs under `root` (JSON, or float16 binary for `.rtrace`). */
export function writeRuns(root: string, runs: readonly FixtureRun[]): void {
  for (const r of runs) {
    const file = join(root, r.path);
    mkdirSync(dirname(file), { recursive: true });
    if (r.path.endsWith('.rtrace')) {
      const { parts } = binaryTraceParts(r.trace, 'float16');
      writeFileSync(file, Buffer.concat([...parts]));
    } else writeFileSync(file, serializeTrace(r.trace));
  }
}

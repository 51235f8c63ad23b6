/**
 * Pooled pixel metrics of a whole set, exact and in bounded memory.
 *
 * Pooling every pixel of MVTec AD at its original resolution is over a
 * billion scores per map: too many to hold. But each image's map is a small
 * grid stretched bilinearly, and its mask is a few runs per row, so the pool
 * keeps only those per image (kilobytes) and regenerates the pixel scores
 * when it needs them, exactly as resizeBilinear computes them (float32).
 *
 * For each map, the set's scores are walked from the highest down as one
 * sorted sequence (curves.ts), in chunks of at most `budget` pixels: a
 * histogram pass over the scores' float32 keys splits the key range into
 * consecutive slices that fit, and each slice is regenerated, radix-sorted and
 * walked in turn (a slice of one key is only counted). Grid quads whose corner
 * values lie outside a slice are skipped without computing their pixels. Every
 * pool (the whole set and each category, all images or anomalous ones only)
 * is walked at once from the same sequence, so the result is the one an
 * in-memory sort of all pixels gives (pixel-pool.test.ts checks it, slices
 * of one pixel included).
 */
import { CurveWalk, type CurveSummary } from './curves';
import { connectedComponents8 } from './entropy';
import { bilinearAxis, type BilinearAxis } from './map';
import { radixSort } from './radix';

/** Pixels held at once by default: 16 M (four 64 MB arrays while a slice is sorted). */
export const DEFAULT_PIXEL_BUDGET = 1 << 24;

export interface PoolImageInput {
  /** Category index (0-based), or −1 for a set without categories. */
  category: number;
  label: 0 | 1;
  width: number;
  height: number;
  rows: number;
  cols: number;
  /** One grid per map, row-major. */
  maps: readonly ArrayLike<number>[];
  /** 0/1 per pixel (width × height), or null for an image with no anomalous pixel. */
  mask: Uint8Array | null;
}

interface StoredImage {
  /** Pool group: 0 no category, else 1 + category. */
  group: number;
  label: 0 | 1;
  width: number;
  height: number;
  rows: number;
  cols: number;
  maps: Float64Array[];
  /** runs[rowStart[y] .. rowStart[y+1]) are (x0, x1, region) triples of row y's anomalous pixels. */
  rowStart: Int32Array | null;
  runs: Int32Array | null;
}

type Sink =
  | { kind: 'histogram'; bins: Float64Array; width: number }
  | { kind: 'collect'; keys: Uint32Array; meta: Uint32Array }
  | { kind: 'tally'; state: WalkState };

/** Summaries of one map: [pool] with pool = 2·group + (anomalous only ? 1 : 0). */
export type PoolSummaries = CurveSummary[];

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** Key of a float32 value (−0 as +0), as radix.ts orders them. */
function key32(v: number): number {
  f32[0] = v;
  let b = u32[0];
  if (b === 0x80000000) b = 0;
  return (b & 0x80000000 ? ~b : b | 0x80000000) >>> 0;
}

const POSITIVE = 0x80000000;

export class PixelPool {
  private readonly images: StoredImage[] = [];
  /** Per region: its image, and 1 / its size. */
  private readonly regionImage: number[] = [];
  private readonly regionWeight: number[] = [];
  /** Per pool: positives, negatives, regions. */
  private readonly P: number[];
  private readonly N: number[];
  private readonly K: number[];
  private readonly maps: number;
  private readonly axes = new Map<string, BilinearAxis>();

  constructor(
    readonly categories: number,
    maps: number,
    readonly budget = DEFAULT_PIXEL_BUDGET,
  ) {
    if (!(budget >= 1)) throw new RangeError('the pixel budget must be at least 1');
    this.maps = maps;
    const pools = 2 * (categories + 1);
    this.P = new Array(pools).fill(0);
    this.N = new Array(pools).fill(0);
    this.K = new Array(pools).fill(0);
  }

  get size(): number {
    return this.images.length;
  }

  /** Adds one image: keeps its grids and its mask as runs with 8-connected region ids. */
  add(im: PoolImageInput): void {
    const { width, height } = im;
    const n = width * height;
    if (im.maps.length !== this.maps)
      throw new RangeError(`expected ${this.maps} maps, got ${im.maps.length}`);
    for (const m of im.maps)
      if (m.length !== im.rows * im.cols)
        throw new RangeError(`a map has ${m.length} cells, expected ${im.rows}×${im.cols}`);
    if (im.category >= this.categories) throw new RangeError(`category ${im.category} out of range`);
    const index = this.images.length;
    let rowStart: Int32Array | null = null;
    let runs: Int32Array | null = null;
    let positives = 0;
    let regions = 0;
    if (im.mask) {
      if (im.mask.length !== n) throw new RangeError(`mask has ${im.mask.length} pixels, expected ${n}`);
      const { labels, count } = connectedComponents8(im.mask, height, width);
      if (count > 0) {
        const sizes = new Int32Array(count);
        const out: number[] = [];
        rowStart = new Int32Array(height + 1);
        for (let y = 0; y < height; y++) {
          rowStart[y] = out.length;
          let x = 0;
          while (x < width) {
            const r = labels[y * width + x];
            if (r < 0) {
              x++;
              continue;
            }
            const x0 = x;
            while (x < width && labels[y * width + x] === r) x++;
            sizes[r] += x - x0;
            out.push(x0, x, this.regionImage.length + r);
          }
        }
        rowStart[height] = out.length;
        runs = Int32Array.from(out);
        for (let r = 0; r < count; r++) {
          this.regionImage.push(index);
          this.regionWeight.push(1 / sizes[r]);
          positives += sizes[r];
        }
        regions = count;
      }
    }
    const group = im.category < 0 ? 0 : im.category + 1;
    const pools = [0, ...(group ? [2 * group] : [])];
    if (im.label === 1) pools.push(1, ...(group ? [2 * group + 1] : []));
    for (const p of pools) {
      this.P[p] += positives;
      this.N[p] += n - positives;
      this.K[p] += regions;
    }
    this.images.push({
      group,
      label: im.label,
      width,
      height,
      rows: im.rows,
      cols: im.cols,
      maps: im.maps.map((m) => Float64Array.from(m)),
      rowStart,
      runs,
    });
  }

  /** AUROC, AP, F1-max and AUPRO of map `m` for every pool (see PoolSummaries). */
  summaries(m: number, fprLimit?: number): PoolSummaries {
    const pools = this.P.length;
    const walks = Array.from(
      { length: pools },
      (_, p) => new CurveWalk({ positives: this.P[p], negatives: this.N[p], regions: this.K[p], fprLimit }),
    );
    let total = 0;
    for (const im of this.images) total += im.width * im.height;
    const state = new WalkState(walks, this);
    if (total > 0) this.range(m, 0, 0xffffffff, total, 16, state);
    state.finish();
    return walks.map((w) => w.summary());
  }

  /** The pools an image's pixels count in: four slots, −1 where unused. */
  poolsOf(image: number): Int32Array {
    const im = this.images[image];
    const g = im.group;
    const a = im.label === 1;
    return Int32Array.of(0, g ? 2 * g : -1, a ? 1 : -1, a && g ? 2 * g + 1 : -1);
  }

  imageOfRegion(region: number): number {
    return this.regionImage[region];
  }

  weightOfRegion(region: number): number {
    return this.regionWeight[region];
  }

  /** Walks keys lo..hi (count pixels) in descending order, splitting by 2^shift-wide bins while too many. */
  private range(m: number, lo: number, hi: number, count: number, shift: number, state: WalkState): void {
    if (count <= this.budget) return this.sortedSlice(m, lo, hi, count, state);
    if (lo === hi) return this.tally(m, lo, state);
    const width = 2 ** shift;
    const bins = new Float64Array(Math.floor((hi - lo) / width) + 1);
    this.visit(m, lo, hi, { kind: 'histogram', bins, width });
    let sliceHi = -1;
    let sliceLo = -1;
    let sum = 0;
    const flush = () => {
      if (sum > 0) this.sortedSlice(m, sliceLo, sliceHi, sum, state);
      sliceHi = -1;
      sum = 0;
    };
    for (let b = bins.length - 1; b >= 0; b--) {
      const c = bins[b];
      if (c === 0) continue;
      const binLo = lo + b * width;
      const binHi = Math.min(hi, binLo + width - 1);
      if (c > this.budget) {
        flush();
        this.range(m, binLo, binHi, c, Math.max(0, shift - 16), state);
        continue;
      }
      if (sum + c > this.budget) flush();
      if (sliceHi < 0) sliceHi = binHi;
      sliceLo = binLo;
      sum += c;
    }
    flush();
  }

  private slice: { keys: Uint32Array; meta: Uint32Array; k2: Uint32Array; m2: Uint32Array } | null = null;

  private sortedSlice(m: number, lo: number, hi: number, count: number, state: WalkState): void {
    if (!this.slice || this.slice.keys.length < count) {
      const n = Math.min(this.budget, Math.max(count, this.slice ? this.slice.keys.length * 2 : 0));
      this.slice = {
        keys: new Uint32Array(n),
        meta: new Uint32Array(n),
        k2: new Uint32Array(n),
        m2: new Uint32Array(n),
      };
    }
    const { keys, meta, k2, m2 } = this.slice;
    const n = this.visit(m, lo, hi, { kind: 'collect', keys, meta });
    radixSort(keys, meta, n, k2, m2);
    for (let i = n - 1; i >= 0;) {
      const k = keys[i];
      for (; i >= 0 && keys[i] === k; i--) state.add(meta[i]);
      state.close();
    }
  }

  private tally(m: number, k: number, state: WalkState): void {
    this.visit(m, k, k, { kind: 'tally', state });
    state.close();
  }

  private axis(cells: number, pixels: number): BilinearAxis {
    const id = `${cells}:${pixels}`;
    let a = this.axes.get(id);
    if (!a) {
      if (this.axes.size > 64) this.axes.clear();
      a = bilinearAxis(cells, pixels);
      this.axes.set(id, a);
    }
    return a;
  }

  /**
   * Every pixel of map m whose key is in lo..hi, with its meta (POSITIVE |
   * region for an anomalous pixel, else the image index), into the sink:
   * counted into bins, collected (returns how many), or added to a tie group.
   * One loop with the three cases inline, not a callback per pixel.
   */
  private visit(m: number, lo: number, hi: number, sink: Sink): number {
    let n = 0;
    const kind = sink.kind === 'histogram' ? 0 : sink.kind === 'collect' ? 1 : 2;
    const bins = sink.kind === 'histogram' ? sink.bins : null;
    const binWidth = sink.kind === 'histogram' ? sink.width : 1;
    const keys = sink.kind === 'collect' ? sink.keys : null;
    const metas = sink.kind === 'collect' ? sink.meta : null;
    const state = sink.kind === 'tally' ? sink.state : null;
    let row = new Float32Array(0);
    let rowKeys = new Uint32Array(row.buffer);
    let region = new Int32Array(0);
    for (let i = 0; i < this.images.length; i++) {
      const im = this.images[i];
      const { width, height, rows, cols, rowStart, runs } = im;
      const grid = im.maps[m];
      let gmin = Infinity;
      let gmax = -Infinity;
      for (const v of grid) {
        if (v < gmin) gmin = v;
        if (v > gmax) gmax = v;
      }
      if (key32(gmax) + 1 < lo || key32(gmin) > hi + 1) continue;
      const { i0: x0, i1: x1, f: fx } = this.axis(cols, width);
      const { i0: ys0, i1: ys1, f: fys } = this.axis(rows, height);
      if (row.length < width) {
        row = new Float32Array(width);
        rowKeys = new Uint32Array(row.buffer);
        region = new Int32Array(width).fill(-1);
      }
      // Pixel columns per quad column: x0 is non-decreasing, so each quad's columns are one run.
      const qStart = new Int32Array(cols + 1).fill(width);
      for (let x = width - 1; x >= 0; x--) qStart[x0[x]] = x;
      for (let q = cols - 1; q >= 0; q--) qStart[q] = Math.min(qStart[q], qStart[q + 1]);
      const qLo = new Uint32Array(cols);
      const qHi = new Uint32Array(cols);
      let band = -1;
      for (let y = 0; y < height; y++) {
        const y0 = ys0[y];
        const y1 = ys1[y];
        const fy = fys[y];
        if (y0 !== band) {
          band = y0;
          let any = false;
          for (let q = 0; q < cols; q++) {
            const q1 = Math.min(q + 1, cols - 1);
            const a = grid[y0 * cols + q];
            const b = grid[y0 * cols + q1];
            const c = grid[y1 * cols + q];
            const d = grid[y1 * cols + q1];
            // A convex combination stays within its corners; one key of slack each side for rounding.
            qLo[q] = Math.max(0, key32(Math.min(a, b, c, d)) - 1);
            qHi[q] = Math.min(0xffffffff, key32(Math.max(a, b, c, d)) + 1);
            any ||= qHi[q] >= lo && qLo[q] <= hi;
          }
          if (!any) {
            // Skip the band's rows at once.
            while (y + 1 < height && ys0[y + 1] === band) y++;
            continue;
          }
        }
        let r0 = 0;
        let r1 = 0;
        if (rowStart && runs) {
          r0 = rowStart[y];
          r1 = rowStart[y + 1];
          for (let r = r0; r < r1; r += 3) region.fill(runs[r + 2], runs[r], runs[r + 1]);
        }
        for (let q = 0; q < cols; q++) {
          const xa = qStart[q];
          const xb = qStart[q + 1];
          if (xa >= xb || qHi[q] < lo || qLo[q] > hi) continue;
          for (let x = xa; x < xb; x++) {
            const top = grid[y0 * cols + x0[x]] * (1 - fx[x]) + grid[y0 * cols + x1[x]] * fx[x];
            const bottom = grid[y1 * cols + x0[x]] * (1 - fx[x]) + grid[y1 * cols + x1[x]] * fx[x];
            row[x] = top * (1 - fy) + bottom * fy;
          }
          for (let x = xa; x < xb; x++) {
            let b = rowKeys[x];
            if (b === 0x80000000) b = 0;
            const k = (b & 0x80000000 ? ~b : b | 0x80000000) >>> 0;
            if (k < lo || k > hi) continue;
            const r = region[x];
            const mt = r >= 0 ? (POSITIVE | r) >>> 0 : i;
            if (kind === 1) {
              keys![n] = k;
              metas![n++] = mt;
            } else if (kind === 0) bins![Math.floor((k - lo) / binWidth)]++;
            else state!.add(mt);
          }
        }
        for (let r = r0; r < r1; r += 3) region.fill(-1, runs![r], runs![r + 1]);
      }
    }
    return n;
  }
}

/**
 * The pools' running tie group: counts per pool until the group closes.
 * Negatives between two positives are handed to a pool's walk as one step:
 * with no new positive, a step adds only dfp·tp to the ROC area and a flat
 * stretch of the PRO curve, and leaves AP and F1-max as they are, so one
 * step for the run gives the same numbers (AUROC, AP and F1 exactly) at a
 * fraction of the cost, most pixels being normal.
 */
class WalkState {
  private readonly dtp: Float64Array;
  private readonly dfp: Float64Array;
  private readonly dpro: Float64Array;
  /** Negatives not yet handed to the pool's walk. */
  private readonly pending: Float64Array;
  /** The pools the open group touched: touched[0 .. count). */
  private readonly touched: Int32Array;
  private count = 0;
  private readonly seen: Uint8Array;
  /** Four pool slots per image (−1 unused). */
  private readonly pools: Int32Array;

  constructor(
    private readonly walks: CurveWalk[],
    private readonly pool: PixelPool,
  ) {
    this.dtp = new Float64Array(walks.length);
    this.dfp = new Float64Array(walks.length);
    this.dpro = new Float64Array(walks.length);
    this.pending = new Float64Array(walks.length);
    this.touched = new Int32Array(walks.length);
    this.seen = new Uint8Array(walks.length);
    this.pools = new Int32Array(4 * pool.size);
    for (let i = 0; i < pool.size; i++) this.pools.set(pool.poolsOf(i), 4 * i);
  }

  add(meta: number): void {
    const positive = meta >= POSITIVE;
    const region = positive ? meta - POSITIVE : -1;
    const image = positive ? this.pool.imageOfRegion(region) : meta;
    const w = positive ? this.pool.weightOfRegion(region) : 0;
    for (let s = 4 * image; s < 4 * image + 4; s++) {
      const p = this.pools[s];
      if (p < 0) continue;
      if (!this.seen[p]) {
        this.seen[p] = 1;
        this.touched[this.count++] = p;
      }
      if (positive) {
        this.dtp[p]++;
        this.dpro[p] += w;
      } else this.dfp[p]++;
    }
  }

  private positiveStep(p: number, dtp: number, dfp: number, dpro: number): void {
    if (this.pending[p]) {
      this.walks[p].step(0, this.pending[p], 0);
      this.pending[p] = 0;
    }
    this.walks[p].step(dtp, dfp, dpro);
  }

  /** A tie group of one pixel. */
  single(meta: number): void {
    if (meta < POSITIVE) {
      for (let s = 4 * meta; s < 4 * meta + 4; s++) if (this.pools[s] >= 0) this.pending[this.pools[s]]++;
      return;
    }
    const region = meta - POSITIVE;
    const image = this.pool.imageOfRegion(region);
    const w = this.pool.weightOfRegion(region);
    for (let s = 4 * image; s < 4 * image + 4; s++)
      if (this.pools[s] >= 0) this.positiveStep(this.pools[s], 1, 0, w);
  }

  close(): void {
    for (let i = 0; i < this.count; i++) {
      const p = this.touched[i];
      if (this.dtp[p] > 0) this.positiveStep(p, this.dtp[p], this.dfp[p], this.dpro[p]);
      else this.pending[p] += this.dfp[p];
      this.dtp[p] = this.dfp[p] = this.dpro[p] = 0;
      this.seen[p] = 0;
    }
    this.count = 0;
  }

  /** Hands every pool its last negatives. */
  finish(): void {
    for (let p = 0; p < this.pending.length; p++)
      if (this.pending[p]) {
        this.walks[p].step(0, this.pending[p], 0);
        this.pending[p] = 0;
      }
  }
}

/**
 * `npm run bench:pixels`: what the exact pooled pixel metrics (src/real/pixel-pool.ts) cost at MVTec AD's
 * scale, without a model: generated 15 × 15 maps with a peak and a round defect mask per image, at
 * 1024 × 1024 (MVTec AD's largest images). A benchmark, not a test: it measures and prints a table.
 *
 *   npx tsx bench/pixel-pool-bench.ts [IMAGES=40] [SIDE=1024]
 *
 * For each pixel budget: the time to add the images (their masks' regions and runs), the time to walk one
 * map over every pool (whole set, 3 categories, all and anomalous-only), nanoseconds per pixel, the number
 * of slices, and the process's peak memory. MVTec AD's test set is 1,725 images of 0.7–1 M pixels, 4 maps.
 */
import { PixelPool } from '../src/real/pixel-pool';

const images = Number(process.argv[2] ?? 40);
const side = Number(process.argv[3] ?? 1024);
let seed = 7;
const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;

function build(budget: number): { pool: PixelPool; addMs: number } {
  seed = 7;
  const pool = new PixelPool(3, 1, budget);
  const t0 = performance.now();
  for (let i = 0; i < images; i++) {
    const grid = Float64Array.from({ length: 225 }, () => rand() ** 4 * 0.01);
    grid[Math.floor(rand() * 225)] = 0.05;
    const anomalous = i % 3 !== 0;
    let mask: Uint8Array | null = null;
    if (anomalous) {
      mask = new Uint8Array(side * side);
      const cx = rand() * side;
      const cy = rand() * side;
      const r = side / 12;
      for (let y = Math.max(0, Math.floor(cy - r)); y < Math.min(side, cy + r); y++)
        for (let x = Math.max(0, Math.floor(cx - r)); x < Math.min(side, cx + r); x++)
          if ((x - cx) ** 2 + (y - cy) ** 2 < r * r) mask[y * side + x] = 1;
    }
    pool.add({
      category: i % 3,
      label: anomalous ? 1 : 0,
      width: side,
      height: side,
      rows: 15,
      cols: 15,
      maps: [grid],
      mask,
    });
  }
  return { pool, addMs: performance.now() - t0 };
}

const pixels = images * side * side;
console.log(`${images} images of ${side} × ${side} (${(pixels / 1e6).toFixed(1)} M pixels), one map\n`);
console.log(
  '| pixel budget | add | walk (every pool) | per pixel | CPU per pixel | AUROC | AUPRO | peak RSS |',
);
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
let reference: number | null = null;
let nsPerPixel = 0;
for (const budget of [1 << 24, 1 << 22]) {
  const { pool, addMs } = build(budget);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const s = pool.summaries(0);
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  const cpuMs = (c.user + c.system) / 1000;
  reference ??= s[0].auroc;
  nsPerPixel = (cpuMs * 1e6) / pixels;
  if (s[0].auroc !== reference) throw new Error('the budgets disagree');
  console.log(
    `| ${(budget / 2 ** 20).toFixed(0)} M | ${(addMs / 1000).toFixed(1)} s | ${(ms / 1000).toFixed(1)} s | ${((ms * 1e6) / pixels).toFixed(0)} ns | ${((cpuMs * 1e6) / pixels).toFixed(0)} ns | ${s[0].auroc.toFixed(4)} | ${s[0].aupro.toFixed(4)} | ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB |`,
  );
}
const mvtec = 1725 * 0.9e6 * 4;
console.log(
  `\nMVTec AD's test set (1,725 images, ~0.9 M pixels each, 4 maps) at the last CPU time a pixel: about ${((mvtec * nsPerPixel * 1e-9) / 60).toFixed(0)} min.`,
);

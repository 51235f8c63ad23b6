/**
 * `real run IMAGE --model DIR` on generated tiny Hugging Face repos of each
 * family's shape (tests/onnx/tiny-repo.ts): the repo is planned, read,
 * its decoder patched at load time, and run on wasm; the trace is version 2
 * with the family's default view, and the map planted through the tiny
 * model's weights (attention ∝ a cell's brightness) peaks under the bright
 * square, so every step from the image to the grid cell is right.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { meanAtPositions, parseTraceBytes, type AnyTrace } from '../src/real';
import { writeTinyRepo, type TinyFamily } from './onnx/tiny-repo';
import { plantedImage } from './onnx/tiny-repo-image';
import { readGraph } from '../src/workers/onnx';

function real(...args: string[]) {
  const r = spawnSync('npm', ['run', '--silent', 'real', '--', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^npm warn.*\n/gm, '') };
}

function writePng(path: string, image: { width: number; height: number; data: Uint8Array }) {
  const png = new PNG({ width: image.width, height: image.height });
  png.data = Buffer.from(image.data);
  writeFileSync(path, PNG.sync.write(png));
}

/** The cell a token looks at most, over every layer with rows, in the default view or a named one. */
function argmaxCell(t: AnyTrace, token: number, positions = t.imagePositions): number {
  const rows = t.generated[token].attention;
  const m = meanAtPositions(rows, Int32Array.from(positions), { from: 0, to: rows.length - 1 });
  let best = 0;
  for (let i = 1; i < m.length; i++) if (m[i] > m[best]) best = i;
  return best;
}

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'repo-run-'));
  return () => rmSync(root, { recursive: true, force: true });
});

// A wide image and a tall one: the grid keeps the image's aspect ratio (Qwen) or tiles it (SmolVLM).
const CASES: {
  family: TinyFamily;
  width: number;
  height: number;
  row: number;
  col: number;
  layers: number[];
  /** An Optimum-style merged decoder (If on use_cache_branch), which the engine feeds. */
  ifMerged?: boolean;
}[] = [
  { family: 'qwen2_vl', width: 224, height: 160, row: 1, col: 2, layers: [0, 1] },
  { family: 'qwen2_5_vl', width: 150, height: 260, row: 4, col: 1, layers: [0, 1] },
  { family: 'qwen3_5_hybrid', width: 320, height: 200, row: 5, col: 7, layers: [1] },
  { family: 'smolvlm', width: 300, height: 200, row: 9, col: 12, layers: [0, 1] },
  { family: 'gemma3', width: 200, height: 120, row: 13, col: 3, layers: [0, 1] },
  { family: 'smolvlm', width: 200, height: 300, row: 13, col: 2, layers: [0, 1], ifMerged: true },
  { family: 'qwen2_vl', width: 140, height: 112, row: 2, col: 3, layers: [0, 1], ifMerged: true },
];

describe('real run on a Hugging Face repo', () => {
  for (const c of CASES) {
    const what = `${c.family}${c.ifMerged ? ' (If-merged decoder)' : ''}`;
    it(`${what}: writes a version-2 trace whose planted map lands on cell (${c.row}, ${c.col})`, () => {
      const name = `${c.family}${c.ifMerged ? '-merged' : ''}`;
      const repo = join(root, name);
      const tiny = writeTinyRepo(repo, c.family, { ifMerged: c.ifMerged });
      const decoderInputs = readGraph(readFileSync(join(repo, 'onnx/decoder_model_merged.onnx'))).inputs;
      expect(decoderInputs.some((v) => v.name === 'use_cache_branch')).toBe(c.ifMerged === true);
      const { image, grid, cell } = plantedImage(c.family, c.width, c.height, c.row, c.col);
      const png = join(root, `${name}.png`);
      writePng(png, image);
      // One family writes the binary container (any name but .json), the others JSON.
      const out = join(root, c.family === 'gemma3' ? 'gemma3.rtrace' : `${name}.trace.json`);
      // The model's own sizing of the original image: the grid keeps its aspect ratio.
      const r = real('run', png, '--model', repo, '--out', out, '--image-size', 'native');
      expect(r.stderr).not.toMatch(/^real:/m);
      expect(r.status).toBe(0);
      const t = parseTraceBytes(readFileSync(out));
      expect(t.sizing).toMatchObject({ mode: 'native', capped: false });
      expect(t.version).toBe(2);
      expect(t.modelInfo).toMatchObject({ family: tiny.modelType, attentionLayers: c.layers });
      expect(t.image).toMatchObject({ width: c.width, height: c.height });
      expect(t.grid).toEqual({ rows: grid.rows, cols: grid.cols });
      expect(t.imagePositions).toHaveLength(grid.rows * grid.cols);
      expect(t.generated.map((g) => g.text).join('')).toContain(tiny.answer.text.trim());
      expect(t.answer).toBe('yes');
      const scratch = t.generated.findIndex((g) => g.text.includes('scratch'));
      expect(argmaxCell(t, scratch)).toBe(cell);
      if (grid.tiles) {
        // The square is in one tile: that tile's own view peaks at the same spot inside it.
        const tileRow = Math.floor(c.row / 8);
        const tileCol = Math.floor(c.col / 8);
        const tile = t.views!.find((v) => v.name === `tile-${tileRow + 1}-${tileCol + 1}`)!;
        expect(tile).toMatchObject({ rows: 8, cols: 8 });
        expect(argmaxCell(t, scratch, tile.positions)).toBe((c.row % 8) * 8 + (c.col % 8));
        expect(t.views!.map((v) => v.name)).toContain('global');
      }
      // The scorer reads it, and scores another view when asked.
      const s = real('score', out);
      expect(s.status).toBe(0);
      expect(JSON.parse(s.stdout).map).toHaveLength(grid.rows * grid.cols);

      // The paper's sizing (the default): the image squeezed to 420 × 420 before the processor; the
      // trace keeps the original size, and the map still peaks on a cell over the planted square.
      const paperOut = join(root, `${name}.paper.trace.json`);
      const p = real('run', png, '--model', repo, '--out', paperOut);
      expect(p.status).toBe(0);
      const pt = parseTraceBytes(readFileSync(paperOut));
      expect(pt.sizing?.mode).toBe('paper');
      expect(pt.image).toMatchObject({ width: c.width, height: c.height });
      if (grid.tiles) return;
      const { rows, cols } = pt.grid;
      // Cells of the paper grid that overlap the planted cell's region (fractions of the image).
      const over: number[] = [];
      for (let y = 0; y < rows; y++)
        for (let x = 0; x < cols; x++)
          if (
            (y + 1) / rows > c.row / grid.rows &&
            y / rows < (c.row + 1) / grid.rows &&
            (x + 1) / cols > c.col / grid.cols &&
            x / cols < (c.col + 1) / grid.cols
          )
            over.push(y * cols + x);
      const paperScratch = pt.generated.findIndex((g) => g.text.includes('scratch'));
      expect(over).toContain(argmaxCell(pt, paperScratch));
    });
  }
});

describe("real run decodes as the repo's generation_config.json says", () => {
  // Four CLI runs (about 10 s each here).
  it('records the settings it used; --greedy keeps the repetition penalty; --seed replays a sampled run', () => {
    const repo = join(root, 'generation-qwen2_vl');
    const tiny = writeTinyRepo(repo, 'qwen2_vl');
    const png = join(root, 'generation.png');
    writePng(png, plantedImage('qwen2_vl', 112, 112, 1, 1).image);
    const trace = (...flags: string[]) => {
      const r = real('run', png, '--model', repo, '--max-tokens', '12', ...flags);
      expect(r.stderr).not.toMatch(/^real:/m);
      expect(r.status).toBe(0);
      return { t: parseTraceBytes(new TextEncoder().encode(r.stdout)), stderr: r.stderr };
    };
    // The tiny Qwen2-VL's generation_config.json: do_sample with Qwen2-VL's own settings.
    const own = trace();
    expect(own.t.generation).toMatchObject({
      greedy: false,
      repetitionPenalty: 1.05,
      temperature: 0.1,
      topK: 1,
      topP: 0.001,
      maxTokens: 12,
    });
    const seed = own.t.generation!.seed;
    expect(own.stderr).toContain(`sampled with seed ${seed} (the same run again: --seed ${seed})`);
    expect(own.t.generated.map((g) => g.id)).toEqual(tiny.answer.ids);
    const greedy = trace('--greedy');
    expect(greedy.t.generation).toMatchObject({ greedy: true, repetitionPenalty: 1.05, seed: 0 });
    expect(greedy.stderr).not.toContain('sampled with seed');
    // A sampled run at a high temperature, twice from one seed: the same tokens.
    // (At temperature 50 the planted margins are gone: the tokens are drawn, not the answer.)
    const hot = ['--temperature', '50', '--top-k', '0', '--top-p', '1', '--seed', '7'];
    const a = trace(...hot);
    expect(a.t.generation).toMatchObject({ greedy: false, temperature: 50, topK: 0, topP: 1, seed: 7 });
    expect(a.t.generated.map((g) => g.id)).not.toEqual(tiny.answer.ids);
    expect(trace(...hot).t.generated.map((g) => g.id)).toEqual(a.t.generated.map((g) => g.id));
  }, 180_000);
});

describe('real run on a broken repo: one clear line, exit 2', () => {
  const png = () => {
    const p = join(root, 'plain.png');
    writePng(p, plantedImage('qwen2_vl', 64, 64, 0, 0).image);
    return p;
  };
  const broken = (name: string, family: TinyFamily, breakIt: (dir: string) => void) => {
    const dir = join(root, name);
    writeTinyRepo(dir, family);
    breakIt(dir);
    return dir;
  };
  const cases: [string, TinyFamily, (dir: string) => void, RegExp][] = [
    ['a missing tokenizer', 'qwen2_vl', (d) => rmSync(join(d, 'tokenizer.json')), /tokenizer\.json/],
    [
      'a truncated decoder',
      'gemma3',
      (d) => truncateSync(join(d, 'onnx/decoder_model_merged.onnx'), 100),
      /decoder_model_merged\.onnx/,
    ],
    [
      'an unknown model_type',
      'smolvlm',
      (d) => {
        const cfg = JSON.parse(readFileSync(join(d, 'config.json'), 'utf8'));
        writeFileSync(join(d, 'config.json'), JSON.stringify({ ...cfg, model_type: 'constructor' }));
      },
      /model_type "constructor" is not a supported family \(known: .*qwen2_vl/,
    ],
    [
      'no chat template',
      'qwen2_vl',
      (d) => {
        // Qwen2-VL keeps it in tokenizer_config.json, as the real repos do.
        const tc = JSON.parse(readFileSync(join(d, 'tokenizer_config.json'), 'utf8'));
        delete tc.chat_template;
        writeFileSync(join(d, 'tokenizer_config.json'), JSON.stringify(tc));
      },
      /chat template|chat_template/,
    ],
  ];
  for (const [what, family, breakIt, message] of cases) {
    it(what, () => {
      const r = real('run', png(), '--model', broken(what.replace(/\W+/g, '-'), family, breakIt));
      expect(r.status).toBe(2);
      const lines = r.stderr.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^real: /);
      expect(lines[0]).toMatch(message);
    });
  }
});

import { describe, expect, it } from 'vitest';
import { idefics3Adapter } from '../../src/workers/adapters/idefics3';
import {
  HAVE_SHARED,
  SKIP_REASON,
  SMOLVLM_TEMPLATE,
  channelStats,
  checkerImage,
  golden,
  looseTolerance,
  smolvlmTokenizer,
  type Json,
} from './fixtures';

/**
 * Idefics3 / SmolVLM against transformers.js 4.3.1's Idefics3ImageProcessor
 * and Idefics3Processor: sizes, tile grid, each tile's box, the global
 * image, the exact expanded prompt; the stitched default view, the global
 * view and the tile views checked against the golden prompt's own token
 * layout; pixel statistics within the README's bounds.
 */
interface Tile {
  row: number;
  col: number;
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}
interface SmolCase {
  image: { width: number; height: number };
  resized: { width: number; height: number };
  resized_for_vision_encoder: { width: number; height: number };
  rows: number;
  cols: number;
  tiles_in_resized_for_vision_encoder_image: Tile[];
  global_image: { width: number; height: number };
  pixel_values_shape: number[];
  pixel_attention_mask_shape: number[];
  expanded_prompt: string;
  token_counts_in_expanded_prompt: Record<string, number>;
  pixel_values_channel_stats: { mean: number[]; std: number[] };
  global_image_channel_stats: { mean: number[]; std: number[] };
}
interface SmolGolden {
  question: string;
  config_used: { preprocessor_config: Json; processor_config: Json; model_config_facts: Json };
  cases: SmolCase[];
}

if (!HAVE_SHARED) describe('Idefics3 / SmolVLM against the goldens', () => it.skip(SKIP_REASON, () => {}));
else
  describe('Idefics3 / SmolVLM against the goldens', () => {
    const g = golden<SmolGolden>('idefics3_smolvlm.json');
    const tokenizer = smolvlmTokenizer();
    const adapter = idefics3Adapter('idefics3', {
      // SmolVLM-256M-Instruct's model facts: scale_factor 4, vision image_size 512, patch 16.
      config: { model_type: 'idefics3', ...g.config_used.model_config_facts },
      preprocessor: g.config_used.preprocessor_config,
      processor: g.config_used.processor_config,
      tokenizer,
      tokenizerConfig: { eos_token: '<end_of_utterance>' },
      chatTemplate: SMOLVLM_TEMPLATE,
    });
    const id = (t: string) => tokenizer.token_to_id(t)!;

    for (const c of g.cases) {
      const { width, height } = c.image;
      it(`${width}×${height}: sizes, tiles, boxes and the expanded prompt exactly`, () => {
        const l = adapter.layout(width, height);
        expect(l.resized).toEqual({ width: c.resized.width, height: c.resized.height });
        expect({ width: l.tiles.width, height: l.tiles.height }).toEqual({
          width: c.resized_for_vision_encoder.width,
          height: c.resized_for_vision_encoder.height,
        });
        expect([l.tiles.rows, l.tiles.cols]).toEqual([c.rows, c.cols]);
        expect(l.tiles.tile).toBe(c.global_image.width);
        expect(l.frames).toBe(c.pixel_values_shape[1]);

        const p = adapter.plan({ width, height }, { question: g.question, tier: null });
        expect(p.text).toBe(c.expanded_prompt);
        const count = (s: string) => p.text.split(s).length - 1;
        expect(count('<image>')).toBe(c.token_counts_in_expanded_prompt['<image>']);
        expect(count('<fake_token_around_image>')).toBe(
          c.token_counts_in_expanded_prompt['<fake_token_around_image>'],
        );
        expect(count('<global-img>')).toBe(1);
        expect(p.text.match(/<row_\d+_col_\d+>/g)!.length).toBe(
          c.token_counts_in_expanded_prompt['<row_r_col_c>'],
        );

        // Boxes: the goldens' tile boxes are in the vision-encoder-sized image, ours in the original's pixels.
        const sx = width / c.resized_for_vision_encoder.width;
        const sy = height / c.resized_for_vision_encoder.height;
        const tileViews = p.views.filter((v) => v.name.startsWith('tile-'));
        expect(tileViews.map((v) => v.name)).toEqual(
          c.tiles_in_resized_for_vision_encoder_image.map((t) => `tile-${t.row}-${t.col}`),
        );
        c.tiles_in_resized_for_vision_encoder_image.forEach((t, i) => {
          expect(tileViews[i].box).toEqual([t.x0 * sx, t.y0 * sy, t.x1 * sx, t.y1 * sy]);
        });
        expect(p.views[0].name).toBe('tiles');
        expect(p.views[0].box).toEqual([0, 0, width, height]);
        expect(p.views[1]).toMatchObject({ name: 'global', rows: 8, cols: 8, box: [0, 0, width, height] });
      });

      it(`${width}×${height}: the stitched grid, the global and tile views land on the golden prompt's tokens`, () => {
        const p = adapter.plan({ width, height }, { question: g.question, tier: null });
        // Independent of the expansion code: tokenise the golden prompt and read each frame's 64 tokens
        // after its <row_r_col_c> (or <global-img>) marker.
        const ids = tokenizer.encode(c.expanded_prompt, { add_special_tokens: false }).ids;
        expect(p.ids).toEqual(ids);
        const after = (marker: string) => {
          const at = ids.indexOf(id(marker));
          expect(at).toBeGreaterThan(0);
          const run = Array.from({ length: 64 }, (_, j) => at + 1 + j);
          for (const q of run) expect(ids[q]).toBe(id('<image>'));
          return run;
        };
        const tiles = new Map<string, number[]>();
        for (let r = 1; r <= c.rows; r++)
          for (let col = 1; col <= c.cols; col++) tiles.set(`${r}-${col}`, after(`<row_${r}_col_${col}>`));
        const global = after('<global-img>');
        expect(p.views.find((v) => v.name === 'global')!.positions).toEqual(global);
        for (const [k, run] of tiles)
          expect(p.views.find((v) => v.name === `tile-${k}`)!.positions).toEqual(run);
        // Stitched: cell (R, C) of the (rows·8) × (cols·8) grid is tile (R/8, C/8)'s token (R%8)·8 + C%8.
        expect(p.grid).toEqual({ rows: c.rows * 8, cols: c.cols * 8 });
        const cols = c.cols * 8;
        p.imagePositions.forEach((pos, cell) => {
          const R = Math.floor(cell / cols);
          const C = cell % cols;
          const run = tiles.get(`${Math.floor(R / 8) + 1}-${Math.floor(C / 8) + 1}`)!;
          expect(pos).toBe(run[(R % 8) * 8 + (C % 8)]);
        });
        // Features come in frame order (tiles row-major, then global): every image token once, in sequence order.
        expect(p.featurePositions).toEqual(ids.flatMap((x, i) => (x === id('<image>') ? [i] : [])));
        expect(p.positionKind).toBe('plain');
        expect(Array.from(p.positionIds(5, 3)!.data, Number)).toEqual([5, 6, 7]);
      });

      it(`${width}×${height}: pixel_values and pixel_attention_mask shapes exactly; statistics loosely`, () => {
        const run = adapter.prepare(checkerImage(width, height), { question: g.question, tier: null });
        const pv = run.visionFeeds.pixel_values;
        expect(pv.dims).toEqual(c.pixel_values_shape);
        const mask = run.visionFeeds.pixel_attention_mask;
        expect(mask.type).toBe('bool');
        expect(mask.dims).toEqual(c.pixel_attention_mask_shape);
        expect((mask.data as Uint8Array).every((v) => v === 1)).toBe(true);
        const data = pv.data as Float32Array;
        const frames = pv.dims[1];
        const all = channelStats(data, frames);
        const glob = channelStats(data.subarray((frames - 1) * 3 * 512 * 512), 1);
        const tol = looseTolerance(width, height);
        for (let ch = 0; ch < 3; ch++) {
          expect(Math.abs(all.mean[ch] - c.pixel_values_channel_stats.mean[ch])).toBeLessThan(tol);
          expect(Math.abs(all.std[ch] - c.pixel_values_channel_stats.std[ch])).toBeLessThan(tol);
          expect(Math.abs(glob.mean[ch] - c.global_image_channel_stats.mean[ch])).toBeLessThan(tol);
          expect(Math.abs(glob.std[ch] - c.global_image_channel_stats.std[ch])).toBeLessThan(tol);
        }
      });
    }

    it('a tile of the stitched grid carries that tile’s pixels (the map lands in the right tile)', () => {
      // A bright square in the original image at the bottom-right tile's place of a 640×480 image (3×4 tiles).
      const img = checkerImage(640, 480);
      for (let y = 400; y < 470; y++)
        for (let x = 500; x < 630; x++) img.data.set([255, 255, 255, 255], (y * 640 + x) * 4);
      const run = adapter.prepare(img, { question: g.question, tier: null });
      const pv = run.visionFeeds.pixel_values.data as Float32Array;
      const F = 3 * 512 * 512;
      const meanOf = (frame: number) => {
        let s = 0;
        for (let i = frame * F; i < (frame + 1) * F; i++) s += pv[i];
        return s / F;
      };
      const means = Array.from({ length: 12 }, (_, f) => meanOf(f));
      // Frame 11 is tile (3, 4), the bottom-right; it is the brightest.
      expect(means.indexOf(Math.max(...means))).toBe(11);
      const v = run.views.find((x) => x.name === 'tile-3-4')!;
      expect(v.box).toEqual([480, 320, 640, 480]);
    });

    it('an image that fits one tile is not split: the global image is the only view', () => {
      const small = idefics3Adapter('idefics3', {
        config: { model_type: 'idefics3', ...g.config_used.model_config_facts },
        preprocessor: { ...g.config_used.preprocessor_config, size: { longest_edge: 512 } },
        processor: g.config_used.processor_config,
        tokenizer,
        tokenizerConfig: { eos_token: '<end_of_utterance>' },
        chatTemplate: SMOLVLM_TEMPLATE,
      });
      const p = small.plan({ width: 640, height: 480 }, { question: g.question, tier: null });
      expect(p.views.map((v) => v.name)).toEqual(['global']);
      expect(p.grid).toEqual({ rows: 8, cols: 8 });
      expect(p.text).toBe(
        `<|im_start|>User:<fake_token_around_image><global-img>${'<image>'.repeat(64)}<fake_token_around_image>${g.question}<end_of_utterance>\nAssistant:`,
      );
    });
  });

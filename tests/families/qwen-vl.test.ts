import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_IMAGE_TOKEN_CAP } from '../../src/workers/adapters/image-sizing';
import { hfAdapter } from '../../src/workers/adapters/hf-families';
import type { FamilyRepo } from '../../src/workers/adapters/hf-types';
import {
  CHATML_VISION_TEMPLATE,
  HAVE_SHARED,
  SKIP_REASON,
  SPECIMENS,
  channelStats,
  checkerImage,
  golden,
  looseTolerance,
  qwen35Tokenizer,
  qwenTokenizer,
  readJson,
  runs,
  type Json,
} from './fixtures';

/**
 * The Qwen VL adapters against transformers.js 4.3.1's own processors and
 * get_rope_index (../shared/specimens/preprocessing): sizes, grid_thw, pads,
 * token layout and ids, M-RoPE position ids, rope delta and the first
 * decoded position exactly; pixel statistics within the README's bounds.
 */
interface QwenCase {
  image: { width: number; height: number };
  resized: { width: number; height: number };
  image_grid_thw: number[];
  pixel_values_shape: number[];
  num_image_pad_tokens: number;
  image_pad_positions: { start: number; end_exclusive: number };
  sequence_length: number;
  layout: { kind: string; start: number; end: number; length: number }[];
  input_ids: number[];
  expanded_prompt_head: string;
  expanded_prompt_tail: string;
  image_grid_thw_input_name_for_vision_encoder: string;
  position_ids: number[][];
  rope_delta: number;
  first_generated_token: { past_length: number; position_ids: number[] };
  pixel_values_channel_stats: { mean: number[]; std: number[] };
  with_raw_preprocessor_config_json?: { pixel_values_channel_stats: { mean: number[] } };
}
interface QwenGolden {
  question: string;
  config_used: { preprocessor_config: Json; model_config_fields?: Json };
  cases: QwenCase[];
}

const QWEN35_DIR = join(SPECIMENS, 'onnx-community', 'qwen3.5-0.8b');

function repoFor(
  family: string,
  g: QwenGolden,
  preprocessor: Json = g.config_used.preprocessor_config,
): FamilyRepo {
  const qwen35 = family === 'qwen3_5';
  return {
    config: qwen35 ? readJson(join(QWEN35_DIR, 'config.json')) : g.config_used.model_config_fields!,
    preprocessor,
    generation: qwen35 ? readJson(join(QWEN35_DIR, 'generation_config.json')) : undefined,
    tokenizer: qwen35 ? qwen35Tokenizer() : qwenTokenizer(),
    tokenizerConfig: { eos_token: '<|im_end|>' },
    chatTemplate: CHATML_VISION_TEMPLATE,
    // The goldens are the processor's own sizing, uncapped (transformers.js has no memory plan).
    maxImageTokens: MAX_IMAGE_TOKEN_CAP,
  };
}

if (!HAVE_SHARED) describe('Qwen VL families against the goldens', () => it.skip(SKIP_REASON, () => {}));
else
  describe('Qwen VL families against the goldens', () => {
    for (const family of ['qwen2_vl', 'qwen2_5_vl', 'qwen3_5']) {
      describe(family, () => {
        const g = golden<QwenGolden>(`${family}.json`);
        const adapter = hfAdapter(repoFor(family, g));
        const ids = family === 'qwen3_5' ? [248053, 248056, 248054] : [151652, 151655, 151653];
        const kindOf = (id: number) =>
          id === ids[0]
            ? 'vision_start'
            : id === ids[1]
              ? 'image_pad'
              : id === ids[2]
                ? 'vision_end'
                : 'text';

        for (const c of g.cases) {
          const { width, height } = c.image;
          it(`${width}×${height}: layout, prompt, ids and M-RoPE positions exactly`, () => {
            const p = adapter.plan({ width, height }, { question: g.question, tier: null });
            expect(p.resized).toEqual(c.resized);
            const [, gh, gw] = c.image_grid_thw;
            expect(p.grid).toEqual({ rows: gh / 2, cols: gw / 2 });
            expect(p.featurePositions).toHaveLength(c.num_image_pad_tokens);
            const { start, end_exclusive } = c.image_pad_positions;
            expect(p.featurePositions).toEqual(
              Array.from({ length: end_exclusive - start }, (_, i) => start + i),
            );
            // One grid, row-major over merged patches: cell i is feature i.
            expect(p.imagePositions).toEqual(p.featurePositions);
            expect(p.views).toEqual([
              {
                name: 'image',
                rows: gh / 2,
                cols: gw / 2,
                positions: p.featurePositions,
                box: [0, 0, width, height],
              },
            ]);
            expect(p.ids).toHaveLength(c.sequence_length);
            expect(runs(p.ids, kindOf)).toEqual(c.layout);
            if (family === 'qwen3_5') {
              // The golden's text ids are -1 placeholders (no Qwen3.5 tokenizer offline); the vision ids are real.
              p.ids.forEach((id, i) => {
                if (c.input_ids[i] !== -1) expect(id).toBe(c.input_ids[i]);
              });
            } else expect(p.ids).toEqual(c.input_ids);
            const head = c.expanded_prompt_head.slice(0, c.expanded_prompt_head.indexOf('...('));
            expect(p.text.startsWith(head)).toBe(true);
            expect(p.text.endsWith(c.expanded_prompt_tail)).toBe(true);
            expect(p.text.split('<|image_pad|>').length - 1).toBe(c.num_image_pad_tokens);

            const S = c.sequence_length;
            const all = p.positionIds(0, S)!;
            expect(all.dims).toEqual([3, 1, S]);
            for (let r = 0; r < 3; r++)
              expect(Array.from(all.data.subarray(r * S, (r + 1) * S), Number)).toEqual(c.position_ids[r]);
            expect(p.ropeDelta).toBe(c.rope_delta);
            expect(c.first_generated_token.past_length).toBe(S);
            const first = p.positionIds(S, 1)!;
            expect(first.dims).toEqual([3, 1, 1]);
            expect(Array.from(first.data, Number)).toEqual(c.first_generated_token.position_ids);
            // Each later token adds one, on all three rows; a slice across the prefill's end agrees too.
            const later = p.positionIds(S + 4, 2)!;
            expect(Array.from(later.data, Number)).toEqual(
              [0, 1, 2].flatMap(() => [S + 4 + c.rope_delta, S + 5 + c.rope_delta]),
            );
            const across = p.positionIds(S - 1, 2)!;
            expect(Array.from(across.data, Number)).toEqual(
              [0, 1, 2].flatMap((r) => [c.position_ids[r][S - 1], S + c.rope_delta]),
            );
          });

          it(`${width}×${height}: vision feeds (grid input, shape) exactly; pixel statistics loosely`, () => {
            const run = adapter.prepare(checkerImage(width, height), { question: g.question, tier: null });
            const name = c.image_grid_thw_input_name_for_vision_encoder;
            expect(Object.keys(run.visionFeeds).sort()).toEqual([name, 'pixel_values'].sort());
            const grid = run.visionFeeds[name];
            expect(grid.type).toBe('int64');
            expect(grid.dims).toEqual([1, 3]);
            expect(Array.from(grid.data as BigInt64Array, Number)).toEqual(c.image_grid_thw);
            const pv = run.visionFeeds.pixel_values;
            expect(pv.type).toBe('float32');
            expect(pv.dims).toEqual(c.pixel_values_shape);
            const s = channelStats(pv.data as Float32Array, pv.dims[0]);
            const tol = looseTolerance(width, height);
            for (let ch = 0; ch < 3; ch++) {
              expect(Math.abs(s.mean[ch] - c.pixel_values_channel_stats.mean[ch])).toBeLessThan(tol);
              expect(Math.abs(s.std[ch] - c.pixel_values_channel_stats.std[ch])).toBeLessThan(tol);
            }
          });
        }
      });
    }

    it('a minimal Qwen2-VL preprocessor_config.json (no size, do_resize, do_normalize) still resizes and normalises', () => {
      // transformers.js skips both here (qwen2_vl_minimal_config_pitfall.json); Python's defaults do not.
      const g = golden<QwenGolden>('qwen2_vl.json');
      const pitfall = golden<{
        config_used: Json;
        cases: { image: string; pixel_values_channel_stats?: { mean: number[] } }[];
      }>('qwen2_vl_minimal_config_pitfall.json');
      const adapter = hfAdapter(repoFor('qwen2_vl', g, pitfall.config_used));
      for (const [i, c] of g.cases.entries()) {
        const p = adapter.plan(c.image, { question: g.question, tier: null });
        expect(p.resized).toEqual(c.resized);
        expect(p.featurePositions).toHaveLength(c.num_image_pad_tokens);
        if (c.image.width * c.image.height > 1e6) continue;
        const run = adapter.prepare(checkerImage(c.image.width, c.image.height), {
          question: g.question,
          tier: null,
        });
        const s = channelStats(
          run.visionFeeds.pixel_values.data as Float32Array,
          run.visionFeeds.pixel_values.dims[0],
        );
        const tol = looseTolerance(c.image.width, c.image.height);
        for (let ch = 0; ch < 3; ch++)
          expect(Math.abs(s.mean[ch] - c.pixel_values_channel_stats.mean[ch])).toBeLessThan(tol);
        const raw = pitfall.cases[i].pixel_values_channel_stats;
        if (raw)
          for (let ch = 0; ch < 3; ch++) expect(Math.abs(s.mean[ch] - raw.mean[ch])).toBeGreaterThan(0.1);
      }
    });

    it('the Qwen3.5 specimen’s raw preprocessor_config.json (no do_normalize, no resample) is still normalised', () => {
      const g = golden<QwenGolden>('qwen3_5.json');
      const adapter = hfAdapter(
        repoFor('qwen3_5', g, readJson(join(QWEN35_DIR, 'preprocessor_config.json'))),
      );
      for (const c of g.cases.filter((x) => x.image.width * x.image.height <= 1e6)) {
        const run = adapter.prepare(checkerImage(c.image.width, c.image.height), {
          question: g.question,
          tier: null,
        });
        expect(run.resized).toEqual(c.resized);
        const s = channelStats(
          run.visionFeeds.pixel_values.data as Float32Array,
          run.visionFeeds.pixel_values.dims[0],
        );
        const tol = looseTolerance(c.image.width, c.image.height);
        for (let ch = 0; ch < 3; ch++) {
          expect(Math.abs(s.mean[ch] - c.pixel_values_channel_stats.mean[ch])).toBeLessThan(tol);
          // transformers.js with this file as-is: unnormalised, means near +0.5.
          expect(
            Math.abs(s.mean[ch] - c.with_raw_preprocessor_config_json!.pixel_values_channel_stats.mean[ch]),
          ).toBeGreaterThan(0.4);
        }
      }
    });
  });

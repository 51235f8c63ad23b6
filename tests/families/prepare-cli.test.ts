import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHATML_VISION_TEMPLATE,
  GEMMA_TOKENIZER_DIR,
  HAVE_SHARED,
  QWEN35_IDS,
  QWEN_TOKENIZER_DIR,
  SKIP_REASON,
  SMOLVLM_SPECIALS,
  SMOLVLM_TEMPLATE,
  SPECIMENS,
  checkerImage,
  golden,
  qwenTokenizerJson,
  type Json,
} from './fixtures';
import { rmSync } from 'node:fs';
import {
  SMOLVLM_INSTRUCT_CONFIG,
  SMOLVLM_INSTRUCT_PREPROCESSOR,
  SMOLVLM_INSTRUCT_PROCESSOR,
} from './smolvlm-instruct';

/**
 * `real prepare` as users run it, on tiny repo folders (configs, tokenizer,
 * chat template; no ONNX file at all), against the goldens.
 */
function real(...args: string[]) {
  const r = spawnSync('npm', ['run', '--silent', 'real', '--', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^npm warn.*\n/gm, '') };
}

let root: string;
const folder = (name: string, files: Record<string, Json | string>, copies: Record<string, string> = {}) => {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  for (const [f, v] of Object.entries(files))
    writeFileSync(join(dir, f), typeof v === 'string' ? v : JSON.stringify(v));
  for (const [f, from] of Object.entries(copies)) copyFileSync(from, join(dir, f));
  return dir;
};
const png = (w: number, h: number) => {
  const img = checkerImage(w, h);
  const p = new PNG({ width: w, height: h });
  p.data = Buffer.from(img.data);
  const path = join(root, `${w}x${h}.png`);
  writeFileSync(path, PNG.sync.write(p));
  return path;
};
const prepare = (image: string, dir: string, ...flags: string[]) => {
  const r = real('prepare', image, '--model', dir, ...flags);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
};

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'real-prepare-'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('real prepare on SmolVLM-Instruct (2.2B) configs', () => {
  it('81 tokens a tile from processor_config.json: 9 × 9 grids, 3 × 4 tiles for 640 × 480', () => {
    const tok = structuredClone(qwenTokenizerJson()) as { added_tokens: Json[] };
    SMOLVLM_SPECIALS.forEach((content, i) =>
      tok.added_tokens.push({ id: 151700 + i, content, special: true, normalized: false }),
    );
    // The stand-in tokenizer (no SmolVLM tokenizer is on npm) has <image> at its own id, not 49153.
    const imageTokenId = 151700 + SMOLVLM_SPECIALS.indexOf('<image>');
    const files = {
      'config.json': { ...SMOLVLM_INSTRUCT_CONFIG, image_token_id: imageTokenId },
      'preprocessor_config.json': SMOLVLM_INSTRUCT_PREPROCESSOR,
      'tokenizer_config.json': { eos_token: '<end_of_utterance>', chat_template: SMOLVLM_TEMPLATE },
      'tokenizer.json': tok as unknown as Json,
    };
    for (const [name, extra] of [
      ['smol-instruct', { 'processor_config.json': SMOLVLM_INSTRUCT_PROCESSOR }],
      // Without processor_config.json the count is derived by integer division: ⌊384 / 14⌋² / 3².
      ['smol-instruct-derived', {}],
    ] as const) {
      const dir = folder(name, { ...files, ...extra });
      const out = prepare(png(640, 480), dir, '--tier', 'none', '--image-size', 'native');
      expect(out.family).toBe('idefics3');
      expect(out.resized).toEqual({ width: 1536, height: 1152 });
      expect(out.imageTokens).toBe(13 * 81);
      expect(out.grid).toEqual({ rows: 27, cols: 36 });
      const [tiles, global, ...each] = out.views as { name: string; rows: number; cols: number }[];
      expect(tiles).toMatchObject({ name: 'tiles', rows: 27, cols: 36 });
      expect(global).toMatchObject({ name: 'global', rows: 9, cols: 9 });
      expect(each).toHaveLength(12);
      for (const v of each) expect([v.rows, v.cols]).toEqual([9, 9]);
      expect(out.text.split('<image>').length - 1).toBe(13 * 81);
      expect(out.sizing).toEqual({ mode: 'native', size: [1536, 1152], capped: false });
      // The paper's sizing (the default): 420 × 420, then the processor's longest edge of 1536: 4 × 4 tiles.
      const paper = prepare(png(640, 480), dir, '--tier', 'none');
      expect(paper.sizing).toEqual({ mode: 'paper', size: [1536, 1536], capped: false });
      expect(paper.image).toEqual({ width: 640, height: 480 });
      expect(paper.imageTokens).toBe(17 * 81);
      expect(paper.grid).toEqual({ rows: 36, cols: 36 });
      expect(paper.views[2].box).toEqual([0, 0, 160, 120]);
    }
  }, 180_000);
});

if (!HAVE_SHARED) describe('real prepare', () => it.skip(SKIP_REASON, () => {}));
else
  describe('real prepare', () => {
    it('Qwen2-VL: prints what the model will see, equal to the goldens', () => {
      const g = golden<{
        config_used: { preprocessor_config: Json; model_config_fields: Json; tokenizer_config: Json };
        cases: Json[];
      }>('qwen2_vl.json');
      const dir = folder(
        'qwen2',
        {
          'config.json': g.config_used.model_config_fields,
          'preprocessor_config.json': g.config_used.preprocessor_config,
          'tokenizer_config.json': g.config_used.tokenizer_config,
          'chat_template.jinja': CHATML_VISION_TEMPLATE,
        },
        { 'tokenizer.json': join(QWEN_TOKENIZER_DIR, 'tokenizer.json') },
      );
      for (const c of g.cases.filter((x) =>
        ['640x480', '333x1000'].includes(`${(x.image as Json).width}x${(x.image as Json).height}`),
      )) {
        const { width, height } = c.image as { width: number; height: number };
        const out = prepare(png(width, height), dir, '--tier', 'none', '--image-size', 'native');
        const [, gh, gw] = c.image_grid_thw as number[];
        const pads = c.image_pad_positions as { start: number; end_exclusive: number };
        const cells = Array.from({ length: pads.end_exclusive - pads.start }, (_, i) => pads.start + i);
        expect(Object.keys(out)).toEqual(
          expect.arrayContaining([
            'family',
            'image',
            'resized',
            'grid',
            'imagePositions',
            'views',
            'imageTokens',
            'promptTokens',
            'text',
            'positionIds',
          ]),
        );
        expect(out.family).toBe('qwen2_vl');
        expect(out.image).toEqual({ width, height });
        expect(out.resized).toEqual(c.resized);
        expect(out.grid).toEqual({ rows: gh / 2, cols: gw / 2 });
        expect(out.imagePositions).toEqual(cells);
        expect(out.views).toEqual([
          { name: 'image', rows: gh / 2, cols: gw / 2, positions: cells, box: [0, 0, width, height] },
        ]);
        expect(out.imageTokens).toBe(c.num_image_pad_tokens);
        expect(out.promptTokens).toBe(c.sequence_length);
        expect(out.text.endsWith(c.expanded_prompt_tail as string)).toBe(true);
        expect(out.positionIds).toEqual(c.position_ids);
        expect(out.ropeDelta).toBe(c.rope_delta);
        expect(out.prompting).toEqual({ system: null, tier: null });
      }
      // The default tier is 1: the system prompt goes in, the image block moves.
      const t1 = prepare(png(224, 224), dir);
      expect(t1.prompting.tier).toBe(1);
      expect(t1.text.startsWith('<|im_start|>system\n')).toBe(true);
      expect(t1.imagePositions[0]).toBeGreaterThan(4);
    });

    it('Gemma 3: the expanded prompt, its 16 × 16 grid and one row of implicit positions', () => {
      const g = golden<{ config_used: { preprocessor_config: Json; processor_config: Json }; cases: Json[] }>(
        'gemma3.json',
      );
      const dir = folder(
        'gemma',
        {
          'config.json': {
            model_type: 'gemma3',
            image_token_index: 262144,
            boi_token_index: 255999,
            eoi_token_index: 256000,
            mm_tokens_per_image: 256,
          },
          'preprocessor_config.json': g.config_used.preprocessor_config,
          'processor_config.json': g.config_used.processor_config,
          'generation_config.json': { eos_token_id: [1, 106] },
        },
        {
          'tokenizer.json': join(GEMMA_TOKENIZER_DIR, 'tokenizer.json'),
          'tokenizer_config.json': join(GEMMA_TOKENIZER_DIR, 'tokenizer_config.json'),
        },
      );
      const out = prepare(png(1000, 333), dir, '--tier', 'none');
      const c = g.cases[0];
      expect(out.family).toBe('gemma3');
      expect(out.resized).toEqual({ width: 896, height: 896 });
      expect(out.text).toBe(c.expanded_prompt);
      expect(out.promptTokens).toBe(278);
      expect(out.imageTokens).toBe(256);
      expect(out.grid).toEqual({ rows: 16, cols: 16 });
      expect(out.imagePositions).toEqual(Array.from({ length: 256 }, (_, i) => 5 + i));
      expect(out.positionIds).toEqual([Array.from({ length: 278 }, (_, i) => i)]);
      expect(out.positionKind).toBe('none');
      expect(out.stopIds).toEqual([1, 106]);
    });

    it('SmolVLM: the exact expanded prompt, the stitched grid and every tile’s box', () => {
      const g = golden<{
        config_used: { preprocessor_config: Json; processor_config: Json; model_config_facts: Json };
        cases: Json[];
      }>('idefics3_smolvlm.json');
      const tok = structuredClone(qwenTokenizerJson()) as { added_tokens: Json[] };
      SMOLVLM_SPECIALS.forEach((content, i) =>
        tok.added_tokens.push({
          id: 151700 + i,
          content,
          single_word: false,
          lstrip: false,
          rstrip: false,
          normalized: false,
          special: true,
        }),
      );
      const dir = folder('smolvlm', {
        'config.json': { model_type: 'idefics3', ...g.config_used.model_config_facts },
        'preprocessor_config.json': g.config_used.preprocessor_config,
        'processor_config.json': g.config_used.processor_config,
        'tokenizer_config.json': { eos_token: '<end_of_utterance>', chat_template: SMOLVLM_TEMPLATE },
        'tokenizer.json': tok as unknown as Json,
      });
      const c = g.cases[2]; // 333×1000: 4 × 2 tiles
      const out = prepare(png(333, 1000), dir, '--tier', 'none', '--image-size', 'native');
      expect(out.text).toBe(c.expanded_prompt);
      expect(out.resized).toEqual({ width: 681, height: 2048 });
      expect(out.grid).toEqual({ rows: 32, cols: 16 });
      expect(out.imagePositions).toHaveLength(512);
      expect(out.imageTokens).toBe(576);
      expect(out.views.map((v: Json) => v.name)).toEqual([
        'tiles',
        'global',
        ...(c.tiles_in_resized_for_vision_encoder_image as Json[]).map((t) => `tile-${t.row}-${t.col}`),
      ]);
      (
        c.tiles_in_resized_for_vision_encoder_image as { x0: number; y0: number; x1: number; y1: number }[]
      ).forEach((t, i) =>
        expect(out.views[2 + i].box).toEqual([
          (t.x0 * 333) / 1024,
          (t.y0 * 1000) / 2048,
          (t.x1 * 333) / 1024,
          (t.y1 * 1000) / 2048,
        ]),
      );
      expect(out.positionIds).toEqual([Array.from({ length: out.promptTokens }, (_, i) => i)]);
    });

    it('Qwen3.5 from the specimen’s own files: thinking on at tier 1, the image block as the goldens lay it out', () => {
      const spec = join(SPECIMENS, 'onnx-community', 'qwen3.5-0.8b');
      const tok = structuredClone(qwenTokenizerJson()) as { added_tokens: { id: number; content: string }[] };
      for (const t of tok.added_tokens)
        if (Object.hasOwn(QWEN35_IDS, t.content)) t.id = QWEN35_IDS[t.content];
      const files = [
        'config.json',
        'generation_config.json',
        'preprocessor_config.json',
        'processor_config.json',
        'tokenizer_config.json',
        'chat_template.jinja',
      ];
      const dir = folder(
        'qwen35',
        { 'tokenizer.json': tok as unknown as Json },
        Object.fromEntries(files.map((f) => [f, join(spec, f)])),
      );
      const t1 = prepare(png(640, 480), dir, '--image-size', 'native');
      expect(t1.family).toBe('qwen3_5');
      expect(t1.thinking).toBe(true);
      expect(t1.text.endsWith('<|im_start|>assistant\n<think>\n')).toBe(true);
      expect(t1.stopIds).toEqual([248046, 248044]);
      const none = prepare(png(640, 480), dir, '--tier', 'none', '--image-size', 'native');
      const c = golden<{ cases: Json[] }>('qwen3_5.json').cases[1];
      expect(none.resized).toEqual(c.resized);
      expect(none.imagePositions).toEqual(Array.from({ length: 300 }, (_, i) => 4 + i));
      // Up to <|vision_end|> the prompt is the goldens' (the template then adds an empty think block).
      const upTo = 305;
      expect(none.positionIds.map((r: number[]) => r.slice(0, upTo))).toEqual(
        (c.position_ids as number[][]).map((r) => r.slice(0, upTo)),
      );
      expect(none.text.endsWith('<|im_start|>assistant\n<think>\n\n</think>\n\n')).toBe(true);
    });

    it('Qwen3.5 image sizing: the paper’s 13 × 13, native capped to 1,024 tokens with one line, a square', () => {
      const spec = join(SPECIMENS, 'onnx-community', 'qwen3.5-0.8b');
      const tok = structuredClone(qwenTokenizerJson()) as { added_tokens: { id: number; content: string }[] };
      for (const t of tok.added_tokens)
        if (Object.hasOwn(QWEN35_IDS, t.content)) t.id = QWEN35_IDS[t.content];
      const files = [
        'config.json',
        'generation_config.json',
        'preprocessor_config.json',
        'processor_config.json',
        'tokenizer_config.json',
        'chat_template.jinja',
      ];
      const dir = folder(
        'qwen35-sizing',
        { 'tokenizer.json': tok as unknown as Json },
        Object.fromEntries(files.map((f) => [f, join(spec, f)])),
      );
      // The paper's sizing (the default): 420 × 420 smart-resized to 416 × 416 (factor 32): a 13 × 13 grid.
      const photo = png(1920, 1080);
      const paper = prepare(photo, dir, '--tier', 'none');
      expect(paper.sizing).toEqual({ mode: 'paper', size: [416, 416], capped: false });
      expect(paper.grid).toEqual({ rows: 13, cols: 13 });
      expect(paper.image).toEqual({ width: 1920, height: 1080 });
      expect(paper.views[0].box).toEqual([0, 0, 1920, 1080]);
      // Native: 2,040 tokens, capped to the default 1,024 with one line on standard error.
      const r = real('prepare', photo, '--model', dir, '--tier', 'none', '--image-size', 'native');
      expect(r.status).toBe(0);
      expect(r.stderr).toBe(
        'real: native sizing capped to fit memory: 1008 image tokens (1344×768 pixels) instead of 2040, under the cap of 1024 (--max-image-tokens changes the cap)\n',
      );
      const native = JSON.parse(r.stdout);
      expect(native.sizing).toEqual({ mode: 'native', size: [1344, 768], capped: true });
      expect(native.maxImageTokens).toBe(1024);
      expect(native.grid).toEqual({ rows: 24, cols: 42 });
      const raised = prepare(photo, dir, '--image-size', 'native', '--max-image-tokens', '4096');
      expect(raised.sizing).toEqual({ mode: 'native', size: [1920, 1088], capped: false });
      expect(raised.imageTokens).toBe(2040);
      // A square of 224: below Qwen3.5's min_pixels (65536), so its processor scales it up to 256 × 256.
      const square = prepare(photo, dir, '--image-size', '224');
      expect(square.sizing).toEqual({ mode: 'square', size: [256, 256], capped: false });
    }, 180_000);

    it('bad input: an unknown model_type, a template with no image slot, a bad --tier, no tokenizer', () => {
      const img = png(64, 64);
      const unknown = folder('unknown', { 'config.json': { model_type: 'constructor' } });
      const r1 = real('prepare', img, '--model', unknown);
      expect(r1.status).toBe(2);
      expect(r1.stderr).toMatch(
        /^real: config\.json: model_type "constructor" is not a supported family \(known: idefics3, smolvlm, qwen2_vl, qwen2_5_vl, qwen3_vl, qwen3_5, gemma3\)\n$/,
      );
      const noSlot = folder(
        'noslot',
        {
          'config.json': { model_type: 'qwen2_vl', image_token_id: 151655, vision_start_token_id: 151652 },
          'tokenizer_config.json': {
            eos_token: '<|im_end|>',
            chat_template: '{{ messages[0].content[1].text }}',
          },
        },
        { 'tokenizer.json': join(QWEN_TOKENIZER_DIR, 'tokenizer.json') },
      );
      const r2 = real('prepare', img, '--model', noSlot, '--tier', 'none');
      expect(r2.status).toBe(2);
      expect(r2.stderr).toBe(
        "real: the chat template renders no image slot (<|image_pad|>) for a message with an image; this repo's template cannot take an image\n",
      );
      const r3 = real('prepare', img, '--model', noSlot, '--tier', '0');
      expect(r3.status).toBe(2);
      expect(r3.stderr).toBe('real: --tier 0: expected 1, 2, 3 or none\n');
      const noTok = folder('notok', { 'config.json': { model_type: 'gemma3' } });
      const r4 = real('prepare', img, '--model', noTok);
      expect(r4.status).toBe(2);
      expect(r4.stderr).toMatch(/tokenizer\.json/);
      expect(readFileSync(img).length).toBeGreaterThan(0);
    });
  });

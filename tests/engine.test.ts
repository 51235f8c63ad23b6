import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nodeOrt, noWebGpuInNode } from '../src/cli/node-ort';
import { NodeDirReader } from '../src/cli/node-reader';
import { TraceBuilder } from '../src/workers/engine/assemble';
import type { RunEvent, RunToken } from '../src/workers/engine/events';
import { toPixelValues, type RgbaImage } from '../src/workers/engine/image';
import { loadModel, type LoadedModel } from '../src/workers/engine/load-model';
import { readTrace, traceToJson } from '../src/real';
import { referenceEmbedding, referenceForward, referenceImageFeatures } from './onnx/reference';
import { SPECIAL, WORDS, TINY, tinyWeights, writeTinyPackage } from './onnx/tiny-vlm';

const w = tinyWeights();
let dir: string;
let model: LoadedModel;

function image(seed: number, width = 30, height = 20): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i++) data[i] = (i * 37 + seed * 101) % 256;
  return { width, height, data };
}

async function run(img: RgbaImage, opts: Parameters<LoadedModel['engine']['generate']>[1] = {}) {
  const events: RunEvent[] = [];
  const reason = await model.engine.generate(img, opts, (e) => events.push(e));
  return { events, reason, tokens: events.filter((e): e is RunToken => e.type === 'token') };
}

/**
 * The reference: greedy decoding by full forward passes, no cache; with a
 * repetition penalty, transformers' rule over every id so far (the prompt's
 * and the image tokens' included).
 */
function referenceRun(
  img: RgbaImage,
  promptIds: number[],
  imagePositions: number[],
  steps: number,
  penalty = 1,
) {
  const pixels = toPixelValues(img, {
    width: TINY.cols * TINY.patch,
    height: TINY.rows * TINY.patch,
    rescale: 1 / 255,
    mean: [0.5, 0.5, 0.5],
    std: [0.5, 0.5, 0.5],
  });
  const features = referenceImageFeatures(w, pixels);
  const embeds = promptIds.map((id, p) =>
    imagePositions.includes(p) ? features[imagePositions.indexOf(p)] : referenceEmbedding(w, id),
  );
  const ids: number[] = [];
  let out = referenceForward(w, embeds);
  for (let s = 0; s < steps; s++) {
    const logits = [...out.logits[embeds.length - 1]];
    for (const id of new Set([...promptIds, ...ids]))
      logits[id] = logits[id] < 0 ? logits[id] * penalty : logits[id] / penalty;
    const next = logits.indexOf(Math.max(...logits));
    ids.push(next);
    embeds.push(referenceEmbedding(w, next));
    out = referenceForward(w, embeds);
  }
  return { ids, out };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tiny-vlm-'));
  writeTinyPackage(dir, w, 6);
  model = await loadModel(await nodeOrt(), new NodeDirReader(dir), 'webgpu', noWebGpuInNode);
});

describe('the generation engine on a generated tiny VLM', () => {
  it('falls back to wasm in Node and says why', () => {
    expect(model.backend).toBe('wasm');
    expect(model.fallbackReason).toMatch(/no WebGPU/);
  });

  it('streams each token with its own attention rows, equal to an independent computation', async () => {
    const img = image(1);
    const { events, tokens, reason } = await run(img);
    const start = events[0];
    if (start.type !== 'start') throw new Error('no start event');
    // <user> + 9 image tokens + 10 question tokens + <assistant>
    expect(start.imagePositions).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const L = start.imagePositions.length + start.prompt.length;
    const promptIds = [3, ...new Array(9).fill(2), 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 4];
    expect(L).toBe(promptIds.length);
    expect(start.prompt.map((t) => t.text).join('')).toBe(
      '<user> Are there any defects or anomalies in the image?<assistant>',
    );
    expect(reason).toBe('max-tokens');
    expect(tokens).toHaveLength(6);

    const ref = referenceRun(img, promptIds, start.imagePositions, 6);
    expect(tokens.map((t) => t.id)).toEqual(ref.ids);
    // The prefill's last row is the first token's producing row.
    start.promptAttention.forEach((row, l) => expectRow(row, ref.out.attention[L - 1][l]));
    tokens.forEach((t, i) => {
      expect(t.position).toBe(L + i);
      expect(t.index).toBe(i);
      expect(t.attention).toHaveLength(TINY.layers);
      // Its own row: query = the token itself at its position.
      t.attention.forEach((row, l) => expectRow(row, ref.out.attention[L + i][l]));
    });
    const vocab = [...SPECIAL, ...WORDS.map((x) => (x === '?' ? '?' : ` ${x}`))];
    expect(tokens.map((t) => t.text)).toEqual(ref.ids.map((id) => vocab[id]));
  });

  it('feeds the KV cache and positions the way the decoder expects', async () => {
    const seen: { pos: bigint[]; past: number[]; mask: number }[] = [];
    const decoder = (
      model.engine as unknown as {
        sessions: {
          decoder: {
            run: (f: Record<string, { dims: readonly number[]; data: unknown }>) => Promise<unknown>;
          };
        };
      }
    ).sessions.decoder;
    const original = decoder.run.bind(decoder);
    decoder.run = async (feeds) => {
      seen.push({
        pos: Array.from(feeds.position_ids.data as BigInt64Array),
        past: [...feeds['past_key_values.1.value'].dims],
        mask: feeds.attention_mask.dims[1],
      });
      return original(feeds);
    };
    try {
      await run(image(2), { maxNewTokens: 3 });
    } finally {
      decoder.run = original;
    }
    // prefill (21 positions, empty cache), then one call per token, the last one the extra step
    expect(seen).toHaveLength(4);
    expect(seen[0].past).toEqual([1, TINY.heads, 0, TINY.headDim]);
    expect(seen[0].pos).toEqual(Array.from({ length: 21 }, (_, i) => BigInt(i)));
    seen.slice(1).forEach((s, i) => {
      expect(s.pos).toEqual([BigInt(21 + i)]);
      expect(s.past).toEqual([1, TINY.heads, 21 + i, TINY.headDim]);
      expect(s.mask).toBe(22 + i);
    });
  });

  it('stops at a stop token, which is kept, with its own row', async () => {
    const img = image(3);
    const free = await run(img);
    const third = free.tokens[2];
    const stopped = await run(img, { stopIds: [third.id] });
    const firstHit = free.tokens.findIndex((t) => t.id === third.id);
    expect(stopped.reason).toBe('stop-token');
    expect(stopped.tokens).toHaveLength(firstHit + 1);
    expect(stopped.tokens.at(-1)!.attention[0]).toHaveLength(stopped.tokens.at(-1)!.position + 1);
  });

  it('cancels within one token', async () => {
    const signal = { aborted: false };
    const events: RunEvent[] = [];
    const reason = await model.engine.generate(image(4), { signal }, (e) => {
      events.push(e);
      if (e.type === 'token' && e.index === 1) signal.aborted = true;
    });
    expect(reason).toBe('cancelled');
    expect(events.filter((e) => e.type === 'token')).toHaveLength(2);
    expect(events.at(-1)).toMatchObject({ type: 'end', stopReason: 'cancelled' });
  });

  it('samples reproducibly for a seed, and says how it chose', async () => {
    const sampling = { greedy: false, temperature: 1.5, topP: 0.95, seed: 42 };
    const a = await run(image(5), { sampling });
    const b = await run(image(5), { sampling });
    expect(a.tokens.map((t) => t.id)).toEqual(b.tokens.map((t) => t.id));
    expect(a.events[0]).toMatchObject({
      generation: { ...sampling, repetitionPenalty: 1, topK: 50, maxTokens: 6 },
    });
    // without a seed, a fresh one, said
    const c = await run(image(5), { sampling: { greedy: false } });
    const seed = c.events[0].type === 'start' ? c.events[0].generation.seed : -1;
    expect(seed).toBeGreaterThanOrEqual(0);
    const d = await run(image(5), { sampling: { greedy: false, seed } });
    expect(d.tokens.map((t) => t.id)).toEqual(c.tokens.map((t) => t.id));
  });

  it("is greedy by default (the package's), seed 0; temperature 0 is greedy too", async () => {
    const a = await run(image(5));
    expect(a.events[0]).toMatchObject({
      generation: { greedy: true, repetitionPenalty: 1, seed: 0, maxTokens: 6 },
    });
    const b = await run(image(5), { sampling: { greedy: false, temperature: 0 } });
    expect(b.events[0]).toMatchObject({ generation: { greedy: true, temperature: 0 } });
    expect(b.tokens.map((t) => t.id)).toEqual(a.tokens.map((t) => t.id));
  });

  it("applies a repetition penalty greedily, as transformers does, over the prompt's ids too", async () => {
    const img = image(8);
    const plain = await run(img, { maxNewTokens: 6 });
    const start = plain.events[0];
    if (start.type !== 'start') throw new Error('no start event');
    const promptIds = [3, ...new Array(9).fill(2), 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 4];
    for (const penalty of [1.3, 3, 20]) {
      const r = await run(img, { maxNewTokens: 6, sampling: { repetitionPenalty: penalty } });
      expect(r.tokens.map((t) => t.id)).toEqual(
        referenceRun(img, promptIds, start.imagePositions, 6, penalty).ids,
      );
    }
    // and a strong one changes what the model writes
    const strong = await run(img, { maxNewTokens: 6, sampling: { repetitionPenalty: 20 } });
    expect(strong.tokens.map((t) => t.id)).not.toEqual(plain.tokens.map((t) => t.id));
  });

  it('assembles a valid trace from the events', async () => {
    const builder = new TraceBuilder();
    await model.engine.generate(image(6), {}, (e) => builder.add(e));
    const again = readTrace(JSON.parse(JSON.stringify(traceToJson(builder.trace))));
    expect(again.generated).toHaveLength(6);
    expect(again.promptAttention).toHaveLength(TINY.layers);
    expect(again.timings).toMatchObject({ stopReason: 'max-tokens' });
  });

  it('rejects images too small or too large, and stays usable', async () => {
    await expect(run(image(7, 1, 1))).rejects.toThrow(/1×1 pixels; at least 16×16/);
    await expect(run({ width: 10000, height: 10000, data: new Uint8Array(0) })).rejects.toThrow(
      /10000×10000 pixels .* limit is 40 MP/,
    );
    const ok = await run(image(8));
    expect(ok.tokens).toHaveLength(6);
  });
});

function expectRow(got: Float32Array, want: Float64Array) {
  expect(got).toHaveLength(want.length);
  let worst = 0;
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  expect(worst).toBeLessThan(1e-5);
}

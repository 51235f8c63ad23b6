import type { ModelAdapter } from '../adapters/types';
import type { ModelManifest } from '../package/manifest';
import type { Ort, OrtTensor } from '../runtime/ort-types';
import { attentionOutputName, type Sessions } from '../runtime/sessions';
import type { RunEvent, RunTimings, StopReason } from './events';
import type { RgbaImage } from './image';
import { GREEDY, sample, seededRandom, softmax, type SamplingOptions } from './sampling';
import type { TextCodec } from './text';

/**
 * The generation loop, shared by every model family: image → features;
 * prompt → embeddings with the image features at the image positions;
 * prefill; then one decoder step per token with the KV cache. The decoder
 * returns the LAST query position's attention row, so a token's own row (the
 * spec's default) arrives one step after the token is chosen; after the last
 * token one extra step is run for its row.
 */

export interface GenerateOptions {
  question?: string;
  maxNewTokens?: number;
  sampling?: Partial<SamplingOptions>;
  /** Token strings that end the answer (default: the manifest's). */
  stopTokens?: string[];
  /** Checked before every decoder call: a cancel takes effect within one token. */
  signal?: { readonly aborted: boolean };
  /**
   * For benchmarks only: fetch no attention outputs (token events then carry
   * no rows), to measure what the rows cost.
   */
  skipAttention?: boolean;
}

const now = () => performance.now();

export class GenerationEngine {
  /** Time inside session.run, accumulated (for the step timings). */
  private runMs = 0;

  constructor(
    private ort: Ort,
    private sessions: Sessions,
    private manifest: ModelManifest,
    private codec: TextCodec,
    private adapter: ModelAdapter,
  ) {}

  get backend() {
    return this.sessions.backend;
  }

  private emptyPast(): Record<string, OrtTensor> {
    const { numLayers, numKeyValueHeads, headDim } = this.manifest.decoder;
    const past: Record<string, OrtTensor> = {};
    for (let l = 0; l < numLayers; l++) {
      for (const kv of ['key', 'value']) {
        past[`past_key_values.${l}.${kv}`] = new this.ort.Tensor('float32', new Float32Array(0), [
          1,
          numKeyValueHeads,
          0,
          headDim,
        ]);
      }
    }
    return past;
  }

  /** One decoder call: returns the last position's logits and attention rows, and the new cache. */
  private async decode(
    embeds: OrtTensor,
    start: number,
    count: number,
    past: Record<string, OrtTensor>,
    withAttention = true,
  ) {
    const total = start + count;
    const pos = this.adapter.positionIds(start, count);
    const feeds: Record<string, OrtTensor> = {
      inputs_embeds: embeds,
      attention_mask: new this.ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      position_ids: new this.ort.Tensor('int64', pos.data, pos.dims),
      ...past,
    };
    const { numLayers } = this.manifest.decoder;
    const fetches = withAttention
      ? undefined
      : ['logits', ...Object.keys(past).map((n) => n.replace('past_key_values', 'present'))];
    const t0 = now();
    const out = fetches
      ? await this.sessions.decoder.run(feeds, fetches)
      : await this.sessions.decoder.run(feeds);
    this.runMs += now() - t0;
    const logitsAll = (await out.logits.getData()) as Float32Array;
    const vocab = out.logits.dims[2];
    const logits = logitsAll.slice((count - 1) * vocab, count * vocab);
    const rows: Float32Array[] = [];
    for (let l = 0; withAttention && l < numLayers; l++) {
      const t = out[attentionOutputName(this.manifest, l)];
      const data = (await t.getData()) as Float32Array;
      if (data.length !== total)
        throw new Error(`decoder_attentions.${l} has ${data.length} values, expected ${total}`);
      rows.push(Float32Array.from(data));
    }
    const present: Record<string, OrtTensor> = {};
    for (let l = 0; l < numLayers; l++) {
      for (const kv of ['key', 'value']) present[`past_key_values.${l}.${kv}`] = out[`present.${l}.${kv}`];
    }
    for (const [name, t] of Object.entries(out)) if (!name.startsWith('present.')) t.dispose();
    return { logits, rows, present };
  }

  private async embed(ids: number[]): Promise<Float32Array> {
    const t = now();
    const out = await this.sessions.embed.run({
      input_ids: new this.ort.Tensor(
        'int64',
        BigInt64Array.from(ids, (i) => BigInt(i)),
        [1, ids.length],
      ),
    });
    this.runMs += now() - t;
    const data = (await out.inputs_embeds.getData()) as Float32Array;
    out.inputs_embeds.dispose();
    return data;
  }

  async generate(
    image: RgbaImage,
    options: GenerateOptions,
    emit: (e: RunEvent) => void,
  ): Promise<StopReason> {
    const t0 = now();
    const m = this.manifest;
    const hidden = m.decoder.hiddenSize;
    const sampling = { ...GREEDY, ...options.sampling };
    const random = seededRandom(sampling.seed);
    const stopIds = new Set((options.stopTokens ?? m.generation.stopTokens).map((t) => this.codec.id(t)));
    const answerId = m.specialTokens.answerStart
      ? this.codec.tokenizer.token_to_id(m.specialTokens.answerStart)
      : undefined;
    const yesId = this.codec.id(m.generation.yesToken);
    const maxNew = options.maxNewTokens ?? m.generation.maxNewTokens;
    const timings: RunTimings = {
      preprocessMs: 0,
      visionMs: 0,
      prefillMs: 0,
      stepMs: [],
      stepRunMs: [],
      totalMs: 0,
    };

    const visionInputs = this.adapter.visionInputs(image);
    const { ids: promptIds, imagePositions } = this.adapter.prompt(
      options.question ?? m.prompt.question,
      image,
    );
    timings.preprocessMs = now() - t0;

    const tv = now();
    const vis = await this.sessions.vision.run(
      Object.fromEntries(
        Object.entries(visionInputs).map(([name, t]) => [
          name,
          t.type === 'float32'
            ? new this.ort.Tensor('float32', t.data, t.dims)
            : new this.ort.Tensor('int64', t.data, t.dims),
        ]),
      ),
    );
    const features = (await vis.image_features.getData()) as Float32Array;
    vis.image_features.dispose();
    if (features.length !== imagePositions.length * hidden) {
      throw new Error(
        `vision_encoder gave ${features.length / hidden} image tokens, the grid has ${imagePositions.length}`,
      );
    }
    timings.visionMs = now() - tv;

    const tp = now();
    const embeds = await this.embed(promptIds);
    imagePositions.forEach((p, cell) =>
      embeds.set(features.subarray(cell * hidden, (cell + 1) * hidden), p * hidden),
    );
    let past = this.emptyPast();
    const L = promptIds.length;
    let step = await this.decode(new this.ort.Tensor('float32', embeds, [1, L, hidden]), 0, L, past);
    past = step.present;
    timings.prefillMs = now() - tp;

    const imageSet = new Set(imagePositions);
    const prompt = promptIds.flatMap((id, position) =>
      imageSet.has(position) ? [] : [{ position, text: this.codec.tokenText(promptIds, position) }],
    );
    emit({
      type: 'start',
      model: m.name,
      backend: this.sessions.backend,
      grid: { ...m.grid },
      imagePositions,
      prompt,
      promptAttention: step.rows,
    });

    const ids = [...promptIds];
    let answerProbability: number | undefined;
    let reason: StopReason = 'max-tokens';
    let next = sample(step.logits, sampling, random);
    for (let index = 0; ; index++) {
      if (options.signal?.aborted) {
        reason = 'cancelled';
        break;
      }
      // Feed the chosen token: its own row comes back with the next token's logits.
      const ts = now();
      const id = next;
      const position = ids.length;
      ids.push(id);
      const run0 = this.runMs;
      const e = await this.embed([id]);
      const prev = past;
      step = await this.decode(
        new this.ort.Tensor('float32', e, [1, 1, hidden]),
        position,
        1,
        past,
        !options.skipAttention,
      );
      const runMs = this.runMs - run0;
      for (const t of Object.values(prev)) t.dispose();
      past = step.present;
      if (answerId !== undefined && id === answerId && answerProbability === undefined) {
        answerProbability = softmax(step.logits)[yesId];
      }
      emit({
        type: 'token',
        index,
        id,
        text: this.codec.tokenText(ids, position),
        position,
        special: this.codec.isSpecial(id),
        attention: step.rows,
      });
      timings.stepMs.push(now() - ts);
      timings.stepRunMs.push(runMs);
      if (stopIds.has(id)) {
        reason = 'stop-token';
        break;
      }
      if (index + 1 >= maxNew) break;
      next = sample(step.logits, sampling, random);
    }
    for (const t of Object.values(past)) t.dispose();
    timings.totalMs = now() - t0;
    emit({ type: 'end', stopReason: reason, answerProbability, timings });
    return reason;
  }
}

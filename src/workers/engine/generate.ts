import { readAnswer, yesProbability, type Answer } from '../../real';
import type { SizingRequest, SizingUsed } from '../adapters/image-sizing';
import type { ModelAdapter, PreparedRun } from '../adapters/types';
import type { Ort, OrtTensor } from '../runtime/ort-types';
import { runSession } from '../runtime/run-session';
import type { Sessions } from '../runtime/sessions';
import type { DecoderIo } from './decoder-io';
import type { RunEvent, RunTimings, StopReason } from './events';
import type { RgbaImage } from './image';
import { floatData, imageFeatures, logitsOfLastPosition } from './outputs';
import { float32ToHalves } from '../../real/trace/float16';
import {
  chooseToken,
  freshSeed,
  seededRandom,
  type SamplingOptions,
  type SamplingSettings,
} from './sampling';
import { emptyStates, disposeAll } from './states';

/**
 * The generation loop, shared by every model family: image → features;
 * prompt → embeddings with the image features at the image positions;
 * prefill; then one decoder step per token, carrying every `present*`
 * output back as its `past*` input (KV caches that grow, fixed-size
 * linear-attention states). The decoder returns the LAST query position's
 * attention row, so a token's own row (the spec's default) arrives one step
 * after the token is chosen; after the last token one extra step is run for
 * its row.
 */

export interface GenerateOptions {
  question?: string;
  /** Prompting tier (real-method.md, last section) for families that have one. */
  tier?: 1 | 2 | 3 | null;
  /** How a real model's image is sized (real-method.md, "Image size"); the demo model ignores it. */
  sizing?: SizingRequest;
  /** Told how the image was sized as soon as it is (before the vision encoder runs); the CLI's note. */
  onSizing?: (s: SizingUsed) => void;
  maxNewTokens?: number;
  /**
   * Changes to the model's decoding settings (`EngineSpec.sampling`) and the
   * seed; a sampled run given no seed gets a fresh one, which its start
   * event and trace carry.
   */
  sampling?: Partial<SamplingOptions>;
  /** Token ids that end the answer (default: the model's). */
  stopIds?: number[];
  /** Checked before every decoder call: a cancel takes effect within one token. */
  signal?: { readonly aborted: boolean };
  /**
   * For benchmarks only: fetch no attention outputs (token events then carry
   * no rows), to measure what the rows cost.
   */
  skipAttention?: boolean;
}

/** The text side the loop needs: token text as people read it, and which tokens are special. */
export interface TokenText {
  tokenText(ids: readonly number[], i: number): string;
  isSpecial(id: number): boolean;
}

/** What the engine knows of the model beyond its sessions. */
export interface EngineSpec {
  name: string;
  io: DecoderIo;
  stopIds: ReadonlySet<number>;
  yesIds: readonly number[];
  noIds: readonly number[];
  maxNewTokens: number;
  /** How the model decodes by default: its generation_config.json as transformers reads it, or a package's defaults. */
  sampling: SamplingSettings;
  question: string;
  /** The most sequence positions the model takes (prompt + generated), when known. */
  maxPositions?: number;
}

export class PromptTooLongError extends Error {
  override name = 'PromptTooLongError';
}

const now = () => performance.now();

export class GenerationEngine {
  /** Time inside session.run, accumulated (for the step timings). */
  private runMs = 0;

  constructor(
    private ort: Ort,
    private sessions: Sessions,
    readonly spec: EngineSpec,
    private text: TokenText,
    private adapter: ModelAdapter,
  ) {}

  get backend() {
    return this.sessions.backend;
  }

  /** One decoder call: returns the last position's logits and attention rows, and the new state. */
  private async decode(
    run: PreparedRun,
    embeds: OrtTensor,
    start: number,
    count: number,
    past: Record<string, OrtTensor>,
    withAttention = true,
  ) {
    const io = this.spec.io;
    const total = start + count;
    const feeds: Record<string, OrtTensor> = {
      [io.embedsName]: embeds,
      [io.maskName]: new this.ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      ...past,
    };
    if (io.positionIds) {
      const pos = run.positionIds(start, count);
      if (!pos)
        throw new Error(
          `the decoder takes ${io.positionIds.name} but the ${this.adapter.family} adapter gives none`,
        );
      feeds[io.positionIds.name] = new this.ort.Tensor('int64', pos.data, pos.dims);
    }
    if (io.logitsToKeep) feeds[io.logitsToKeep] = new this.ort.Tensor('int64', BigInt64Array.of(1n), []);
    // A merged decoder's branch: without the past on the first call, with it after.
    if (io.useCacheBranch)
      feeds[io.useCacheBranch] = new this.ort.Tensor('bool', Uint8Array.of(start > 0 ? 1 : 0), [1]);
    const fetches = [
      'logits',
      ...io.states.map((s) => s.output),
      ...(withAttention ? io.attentionOutputs : []),
    ];
    const t0 = now();
    const out = await runSession(this.sessions.files.decoder, this.sessions.decoder, feeds, fetches);
    this.runMs += now() - t0;
    const logits = await logitsOfLastPosition(out.logits);
    const rows: Float32Array[] = [];
    if (withAttention) {
      for (const name of io.attentionOutputs) {
        const data = (await out[name].getData()) as Float32Array;
        if (data.length !== total) throw new Error(`${name} has ${data.length} values, expected ${total}`);
        rows.push(Float32Array.from(data));
      }
    }
    const present: Record<string, OrtTensor> = {};
    for (const s of io.states) present[s.input] = out[s.output];
    const carried = new Set(io.states.map((s) => s.output));
    for (const [name, t] of Object.entries(out)) if (!carried.has(name)) t.dispose();
    return { logits, rows, present };
  }

  private async embed(ids: number[]): Promise<Float32Array> {
    const t = now();
    const out = await runSession(this.sessions.files.embed, this.sessions.embed, {
      input_ids: new this.ort.Tensor(
        'int64',
        BigInt64Array.from(ids, (i) => BigInt(i)),
        [1, ids.length],
      ),
    });
    this.runMs += now() - t;
    // An fp16 export's embeddings may come out as float16: merged with the image features in float32.
    const data = await floatData(out.inputs_embeds);
    out.inputs_embeds.dispose();
    return data;
  }

  /** The decoder's inputs_embeds for `length` positions, in the element type its graph takes. */
  private embedsTensor(values: Float32Array, length: number): OrtTensor {
    const dims = [1, length, this.spec.io.hiddenSize];
    return this.spec.io.embedsType === 'float16'
      ? new this.ort.Tensor('float16', float32ToHalves(values), dims)
      : new this.ort.Tensor('float32', values, dims);
  }

  async generate(
    image: RgbaImage,
    options: GenerateOptions,
    emit: (e: RunEvent) => void,
  ): Promise<StopReason> {
    const t0 = now();
    const spec = this.spec;
    const hidden = spec.io.hiddenSize;
    const { seed: givenSeed, ...changes } = options.sampling ?? {};
    const asked: SamplingSettings = { ...spec.sampling, ...changes };
    // Temperature 0 samples nothing: the run is greedy, and says so.
    const sampled = !asked.greedy && asked.temperature > 0;
    const sampling = { ...asked, greedy: !sampled };
    // A greedy run draws nothing: seed 0 keeps its trace the same run after run.
    const seed = givenSeed ?? (sampled ? freshSeed() : 0);
    const random = seededRandom(seed);
    const stopIds = options.stopIds ? new Set(options.stopIds) : spec.stopIds;
    const maxNew = options.maxNewTokens ?? spec.maxNewTokens;
    const timings: RunTimings = {
      preprocessMs: 0,
      visionMs: 0,
      prefillMs: 0,
      stepMs: [],
      stepRunMs: [],
      totalMs: 0,
    };

    const run = this.adapter.prepare(image, {
      question: options.question ?? spec.question,
      tier: options.tier,
      sizing: options.sizing,
    });
    if (run.sizing) options.onSizing?.(run.sizing);
    const promptIds = run.ids;
    // A prompt the model has no positions for would run on and answer garbage: refuse it first.
    if (spec.maxPositions !== undefined && promptIds.length + 1 > spec.maxPositions) {
      throw new PromptTooLongError(
        `the prompt takes ${promptIds.length} positions and the model has ${spec.maxPositions}; shorten the question`,
      );
    }
    timings.preprocessMs = now() - t0;

    const tv = now();
    const features = await imageFeatures(
      this.ort,
      this.sessions.files.vision,
      this.sessions.vision,
      run.visionFeeds,
    );
    if (features.length !== run.featurePositions.length * hidden) {
      throw new Error(
        `vision_encoder gave ${features.length / hidden} image tokens, the prompt has ${run.featurePositions.length} image positions`,
      );
    }
    timings.visionMs = now() - tv;

    const tp = now();
    const embeds = await this.embed(promptIds);
    run.featurePositions.forEach((p, cell) =>
      embeds.set(features.subarray(cell * hidden, (cell + 1) * hidden), p * hidden),
    );
    let past = emptyStates(this.ort, spec.io.states);
    const L = promptIds.length;
    let step = await this.decode(run, this.embedsTensor(embeds, L), 0, L, past);
    past = step.present;
    timings.prefillMs = now() - tp;

    const imageSet = new Set(run.featurePositions);
    const prompt = promptIds.flatMap((id, position) =>
      imageSet.has(position) ? [] : [{ position, text: this.text.tokenText(promptIds, position) }],
    );
    emit({
      type: 'start',
      model: spec.name,
      backend: this.sessions.backend,
      grid: { ...run.grid },
      imagePositions: run.imagePositions,
      views: run.views,
      prompting: run.prompting,
      generation: { ...sampling, seed, maxTokens: maxNew },
      sizing: run.sizing,
      attentionLayers: spec.io.attentionLayers,
      prompt,
      promptAttention: step.rows,
    });

    const ids = [...promptIds];
    const texts: { text: string }[] = [];
    // P(yes) of the distribution each token was drawn from: the answer token's is the run's P(yes).
    const pYes: number[] = [];
    let reason: StopReason = 'max-tokens';
    let next = chooseToken(step.logits, ids, sampling, random);
    for (let index = 0; ; index++) {
      if (options.signal?.aborted) {
        reason = 'cancelled';
        break;
      }
      if (spec.maxPositions !== undefined && ids.length >= spec.maxPositions) break;
      // Feed the chosen token: its own row comes back with the next token's logits.
      const ts = now();
      const id = next;
      const position = ids.length;
      ids.push(id);
      pYes.push(yesProbability(step.logits, spec.yesIds, spec.noIds));
      const run0 = this.runMs;
      const e = await this.embed([id]);
      const prev = past;
      step = await this.decode(run, this.embedsTensor(e, 1), position, 1, past, !options.skipAttention);
      const runMs = this.runMs - run0;
      disposeAll(prev);
      past = step.present;
      const text = this.text.tokenText(ids, position);
      texts.push({ text });
      emit({
        type: 'token',
        index,
        id,
        text,
        position,
        special: this.text.isSpecial(id),
        attention: step.rows,
      });
      timings.stepMs.push(now() - ts);
      timings.stepRunMs.push(runMs);
      if (stopIds.has(id)) {
        reason = 'stop-token';
        break;
      }
      if (index + 1 >= maxNew) break;
      next = chooseToken(step.logits, ids, sampling, random);
    }
    disposeAll(past);
    timings.totalMs = now() - t0;
    const reading = readAnswer(texts);
    const answer: Answer = reading.answer;
    const answerProbability = reading.tokenIndex === null ? undefined : pYes[reading.tokenIndex];
    emit({ type: 'end', stopReason: reason, answer, answerProbability, timings });
    return reason;
  }
}

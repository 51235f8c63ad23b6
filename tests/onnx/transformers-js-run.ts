/**
 * One generation on a tiny repo folder, twice: by the project's engine (the
 * loader, adapter, patched decoder and generation loop of `real run`, on
 * onnxruntime-web's wasm in Node) and by transformers.js (a devDependency,
 * for tests only: its own processor, chat template, image processing, model
 * classes and `generate()` with the repo's generation_config.json, on
 * onnxruntime-node). Each records the prompt's input_ids, the pixel values
 * the vision encoder got, and every decoder call's position ids and lengths
 * (by wrapping the sessions' `run`), and the tokens it wrote.
 */
import { nodeOrt, noWebGpuInNode } from '../../src/cli/node-ort';
import { NodeFolderSource } from '../../src/cli/node-repo-source';
import { systemPromptFor } from '../../src/real/prompting';
import type { RunEvent } from '../../src/workers/engine/events';
import type { GenerateOptions } from '../../src/workers/engine/generate';
import type { RgbaImage } from '../../src/workers/engine/image';
import { loadRepoModel } from '../../src/workers/engine/load-repo-model';
import type { Ort, OrtSession } from '../../src/workers/runtime/ort-types';

export type TransformersJs = typeof import('@huggingface/transformers');

/** What a decoder call was fed, beyond its embeddings and carried state. */
export interface DecoderCall {
  /** position_ids as numbers (M-RoPE's [3, 1, S] row-major), or null when the graph takes none. */
  positions: number[] | null;
  /** attention_mask's length: the past plus this call's positions. */
  total: number;
  /** This call's sequence length. */
  length: number;
  useCacheBranch: boolean | null;
}

export interface Generation {
  inputIds: number[];
  pixelValues: Float32Array;
  pixelDims: number[];
  calls: DecoderCall[];
  /** Generated token ids, the stop token included when it came. */
  tokens: number[];
}

type Feeds = Record<string, { dims: readonly number[]; data: unknown }>;

const numbers = (data: unknown) => Array.from(data as ArrayLike<number | bigint>, Number);

function decoderCall(feeds: Feeds): DecoderCall {
  const pos = feeds.position_ids;
  const branch = feeds.use_cache_branch;
  return {
    positions: pos ? numbers(pos.data) : null,
    total: feeds.attention_mask.dims[1],
    length: feeds.inputs_embeds.dims[1],
    useCacheBranch: branch ? numbers(branch.data)[0] === 1 : null,
  };
}

/** Wraps a session's run to see its feeds (the session is otherwise untouched). */
function watch(session: OrtSession, seen: (feeds: Feeds) => void): void {
  const run = session.run.bind(session) as (feeds: Feeds, ...rest: unknown[]) => Promise<unknown>;
  (session as unknown as { run: typeof run }).run = (feeds, ...rest) => {
    seen(feeds);
    return run(feeds, ...rest);
  };
}

function recorder() {
  const out: Generation = {
    inputIds: [],
    pixelValues: new Float32Array(0),
    pixelDims: [],
    calls: [],
    tokens: [],
  };
  const see = (session: { inputNames: readonly string[] }, feeds: Feeds) => {
    const names = session.inputNames;
    if (names.includes('inputs_embeds')) out.calls.push(decoderCall(feeds));
    else if (names.includes('input_ids')) {
      if (!out.inputIds.length) out.inputIds = numbers(feeds.input_ids.data);
    } else if (names.includes('pixel_values')) {
      out.pixelValues = Float32Array.from(feeds.pixel_values.data as Float32Array);
      out.pixelDims = [...feeds.pixel_values.dims];
    }
  };
  return { out, see };
}

/** The project's run, as `real run` makes it. */
export async function projectGeneration(
  dir: string,
  image: RgbaImage,
  options: GenerateOptions,
): Promise<Generation & { start: Extract<RunEvent, { type: 'start' }> }> {
  const ort = await nodeOrt();
  const { out, see } = recorder();
  const create = (async (...args: Parameters<Ort['InferenceSession']['create']>) => {
    const s = await (ort.InferenceSession.create as (...a: unknown[]) => Promise<OrtSession>)(...args);
    watch(s, (f) => see(s, f));
    return s;
  }) as Ort['InferenceSession']['create'];
  const watched = { ...ort, InferenceSession: { ...ort.InferenceSession, create } } as Ort;
  const model = await loadRepoModel(watched, new NodeFolderSource(dir), {
    prefer: 'wasm',
    webgpuAvailable: noWebGpuInNode,
  });
  const events: RunEvent[] = [];
  try {
    await model.engine.generate(image, options, (e) => events.push(e));
  } finally {
    await model.release();
  }
  for (const e of events) if (e.type === 'token') out.tokens.push(e.id);
  const start = events[0];
  if (start?.type !== 'start') throw new Error('the run did not start');
  return { ...out, start };
}

/**
 * The messages the project's tier 1 sends (real-method.md, last section):
 * the system prompt (as a string, or as a list of parts where the template
 * reads only that), the image and the question; thinking on.
 */
function render(apply: (messages: unknown[]) => string, question: string): string {
  const system = systemPromptFor(1)!;
  const user = { role: 'user', content: [{ type: 'image' }, { type: 'text', text: question }] };
  try {
    const text = apply([{ role: 'system', content: system }, user]);
    if (text.includes(system)) return text;
  } catch {
    // SmolVLM's template iterates over the system message's parts.
  }
  return apply([{ role: 'system', content: [{ type: 'text', text: system }] }, user]);
}

/** transformers.js's run of the same repo folder (`root/name`), with its default generation. */
export async function transformersJsGeneration(
  tjs: TransformersJs,
  root: string,
  name: string,
  image: RgbaImage,
  options: { question: string; maxNewTokens: number; seed?: number },
): Promise<Generation> {
  tjs.env.localModelPath = root.endsWith('/') ? root : `${root}/`;
  tjs.env.allowRemoteModels = false;
  tjs.env.allowLocalModels = true;
  const processor = await tjs.AutoProcessor.from_pretrained(name);
  const model = await tjs.AutoModelForImageTextToText.from_pretrained(name, { dtype: 'fp32', device: 'cpu' });
  const { out, see } = recorder();
  const sessions = (model as unknown as { sessions: Record<string, OrtSession> }).sessions;
  for (const s of Object.values(sessions)) watch(s, (f) => see(s, f));
  try {
    const text = render(
      (messages) =>
        processor.apply_chat_template(
          messages as never,
          {
            add_generation_prompt: true,
            enable_thinking: true,
          } as never,
        ) as unknown as string,
      options.question,
    );
    // transformers.js takes RGB.
    const rgb = new Uint8ClampedArray(image.width * image.height * 3);
    for (let i = 0; i < image.width * image.height; i++)
      for (let c = 0; c < 3; c++) rgb[i * 3 + c] = image.data[i * 4 + c];
    const inputs = await processor(text, new tjs.RawImage(rgb, image.width, image.height, 3));
    const promptLength = (inputs.input_ids as { dims: number[] }).dims[1];
    if (options.seed !== undefined) tjs.random.seed(options.seed);
    const generated = (await model.generate({
      ...inputs,
      max_new_tokens: options.maxNewTokens,
    } as never)) as unknown as { data: ArrayLike<bigint> };
    out.tokens = numbers(generated.data).slice(promptLength);
    out.inputIds = numbers((inputs.input_ids as { data: unknown }).data);
  } finally {
    await model.dispose();
  }
  return out;
}

import type { ModelAdapter, VisionInput } from '../adapters/types';
import type { ModelManifest } from '../package/manifest';
import type { Ort, OrtSession, OrtTensor } from '../runtime/ort-types';
import { SessionRunError, checkSessionNames, feedsProblem } from '../runtime/run-session';
import type { Sessions } from '../runtime/sessions';
import { checkEncoderGrid } from './grid-check';
import { imageFeatures } from './outputs';

/**
 * What a model package's sessions are checked for at load, before any run:
 * each ONNX file is the one its place says (a swapped file names itself),
 * its fixed dims agree with the manifest (a mis-sized file names the input
 * and both sizes), and the manifest's grid has the vision encoder's shape
 * (grid-check.ts).
 */

type Dims = ReadonlyArray<number | string>;

function dimsOf(
  session: OrtSession,
  which: 'inputMetadata' | 'outputMetadata',
  name: string,
): Dims | undefined {
  const meta = (session[which] ?? []).find((v) => v.name === name);
  return meta?.isTensor ? meta.shape : undefined;
}

/** A fixed dim of a graph value that disagrees with the manifest, as one line. */
function checkDim(
  file: string,
  what: string,
  dims: Dims | undefined,
  axis: number,
  want: number,
  field: string,
) {
  const d = dims?.[axis < 0 ? dims.length + axis : axis];
  if (typeof d === 'number' && d > 0 && d !== want)
    throw new SessionRunError(
      `${file}: ${what} has size ${d} on axis ${axis < 0 ? (dims?.length ?? 0) + axis : axis}, the manifest says ${field} = ${want}; is the file from another model?`,
    );
}

/** Shapes only, for checking feeds against a graph before running it. */
function asTensors(feeds: Record<string, VisionInput>): Record<string, OrtTensor> {
  return Object.fromEntries(
    Object.entries(feeds).map(([n, t]) => [n, { type: t.type, dims: t.dims } as unknown as OrtTensor]),
  );
}

/**
 * Several images' feeds as one batch, when the encoder takes only pixel_values with a free batch
 * axis (the demo family); else null, and each image is run alone.
 */
function batch(
  feeds: Record<string, VisionInput>[],
  shape: Dims | undefined,
): Record<string, VisionInput> | null {
  const names = Object.keys(feeds[0]);
  if (names.length !== 1 || names[0] !== 'pixel_values' || typeof shape?.[0] !== 'string') return null;
  const parts = feeds.map((f) => f.pixel_values);
  if (parts.some((p) => p.type !== 'float32' || p.dims[0] !== 1)) return null;
  const data = new Float32Array(parts.reduce((n, p) => n + p.data.length, 0));
  let o = 0;
  for (const p of parts) {
    data.set(p.data as Float32Array, o);
    o += p.data.length;
  }
  return { pixel_values: { type: 'float32', data, dims: [parts.length, ...parts[0].dims.slice(1)] } };
}

export async function checkPackageSessions(
  ort: Ort,
  sessions: Sessions,
  adapter: ModelAdapter,
  m: ModelManifest,
): Promise<void> {
  const files = {
    vision: m.files.visionEncoder.path,
    embed: m.files.embedTokens.path,
    decoder: m.files.decoder.path,
  };
  const H = m.decoder.hiddenSize;
  checkSessionNames(
    files.embed,
    sessions.embed,
    { inputs: ['input_ids'], outputs: ['inputs_embeds'] },
    'an embed_tokens graph',
  );
  checkSessionNames(files.vision, sessions.vision, { inputs: ['pixel_values'] }, 'a vision encoder');
  checkDim(
    files.embed,
    "output 'inputs_embeds'",
    dimsOf(sessions.embed, 'outputMetadata', 'inputs_embeds'),
    -1,
    H,
    'decoder.hiddenSize',
  );
  checkDim(
    files.decoder,
    "input 'inputs_embeds'",
    dimsOf(sessions.decoder, 'inputMetadata', 'inputs_embeds'),
    -1,
    H,
    'decoder.hiddenSize',
  );
  for (let l = 0; l < m.decoder.numLayers; l++)
    for (const kv of ['key', 'value']) {
      const name = `past_key_values.${l}.${kv}`;
      const dims = dimsOf(sessions.decoder, 'inputMetadata', name);
      checkDim(
        files.decoder,
        `input '${name}'`,
        dims,
        1,
        m.decoder.numKeyValueHeads,
        'decoder.numKeyValueHeads',
      );
      checkDim(files.decoder, `input '${name}'`, dims, 3, m.decoder.headDim, 'decoder.headDim');
    }
  const featuresName = sessions.vision.outputNames.includes('image_features')
    ? 'image_features'
    : sessions.vision.outputNames[0];
  const outputShape = dimsOf(sessions.vision, 'outputMetadata', featuresName);
  checkDim(files.vision, `output '${featuresName}'`, outputShape, -1, H, 'decoder.hiddenSize');
  await checkEncoderGrid({
    file: files.vision,
    grid: m.grid,
    width: m.image.width,
    height: m.image.height,
    hidden: H,
    outputShape,
    features: async (images) => {
      const feeds = images.map(
        (image) => adapter.prepare(image, { question: m.prompt.question }).visionFeeds,
      );
      // The feeds against the graph's inputs first: a file for another image size names itself here.
      const problem = feedsProblem(files.vision, sessions.vision, asTensors(feeds[0]));
      if (problem) throw new SessionRunError(problem);
      const batched = batch(feeds, dimsOf(sessions.vision, 'inputMetadata', 'pixel_values'));
      if (batched) {
        const all = await imageFeatures(ort, files.vision, sessions.vision, batched);
        const each = all.length / images.length;
        return images.map((_, i) => all.subarray(i * each, (i + 1) * each));
      }
      const out: Float32Array[] = [];
      for (const f of feeds) out.push(await imageFeatures(ort, files.vision, sessions.vision, f));
      return out;
    },
  });
}

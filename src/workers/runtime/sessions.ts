import type { ModelManifest, OnnxFileKey, RequiredFileKey } from '../package/manifest';
import type { Backend, Ort, OrtSession } from './ort-types';

/**
 * Creating the model's three sessions on a backend: WebGPU when asked for and
 * available, else WebAssembly, saying why. On WebGPU the KV cache
 * (`present.*`) stays on the GPU; only logits and the small attention rows
 * are read back.
 */

export interface Sessions {
  vision: OrtSession;
  embed: OrtSession;
  decoder: OrtSession;
  backend: Backend;
  /** Why WebGPU was not used, when it was asked for. */
  fallbackReason?: string;
}

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

const FILE_NAMES: Record<OnnxFileKey, string> = {
  visionEncoder: 'vision_encoder',
  embedTokens: 'embed_tokens',
  decoder: 'decoder_model_merged',
};

function presentNames(m: ModelManifest): string[] {
  return Array.from({ length: m.decoder.numLayers }, (_, l) => [
    `present.${l}.key`,
    `present.${l}.value`,
  ]).flat();
}

export function attentionOutputName(m: ModelManifest, layer: number): string {
  return m.decoder.attentionOutput.replace('{layer}', String(layer));
}

/** Checks the decoder has every input and output the manifest promises. */
export function checkDecoderIo(decoder: OrtSession, m: ModelManifest): void {
  const inputs = ['inputs_embeds', 'attention_mask', 'position_ids'];
  for (let l = 0; l < m.decoder.numLayers; l++)
    inputs.push(`past_key_values.${l}.key`, `past_key_values.${l}.value`);
  const outputs = ['logits', ...presentNames(m)];
  for (let l = 0; l < m.decoder.numLayers; l++) outputs.push(attentionOutputName(m, l));
  const missingIn = inputs.filter((n) => !decoder.inputNames.includes(n));
  const missingOut = outputs.filter((n) => !decoder.outputNames.includes(n));
  if (missingIn.length || missingOut.length) {
    throw new ModelLoadError(
      `decoder_model_merged.onnx does not match the manifest: missing ${[...missingIn.map((n) => `input ${n}`), ...missingOut.map((n) => `output ${n}`)].slice(0, 4).join(', ')}${missingIn.length + missingOut.length > 4 ? ', …' : ''}`,
    );
  }
}

async function createAll(
  ort: Ort,
  files: Record<RequiredFileKey, Uint8Array>,
  m: ModelManifest,
  backend: Backend,
) {
  // logSeverityLevel 3: errors only (ORT's node-placement warnings are noise to users).
  const base = {
    executionProviders: [backend],
    graphOptimizationLevel: 'all' as const,
    logSeverityLevel: 3 as const,
  };
  const create = async (key: OnnxFileKey, extra: object = {}) => {
    try {
      return await ort.InferenceSession.create(files[key], { ...base, ...extra });
    } catch (e) {
      throw new ModelLoadError(
        `${FILE_NAMES[key]}.onnx could not be loaded on ${backend}: ${(e as Error).message}`,
        { cause: e },
      );
    }
  };
  const keepOnGpu =
    backend === 'webgpu'
      ? Object.fromEntries(presentNames(m).map((n) => [n, 'gpu-buffer' as const]))
      : undefined;
  const vision = await create('visionEncoder');
  const embed = await create('embedTokens');
  const decoder = await create('decoder', keepOnGpu ? { preferredOutputLocation: keepOnGpu } : {});
  checkDecoderIo(decoder, m);
  return { vision, embed, decoder };
}

export async function createSessions(
  ort: Ort,
  files: Record<RequiredFileKey, Uint8Array>,
  manifest: ModelManifest,
  prefer: Backend,
  webgpuAvailable: () => Promise<string | null>,
): Promise<Sessions> {
  let fallbackReason: string | undefined;
  if (prefer === 'webgpu') {
    const unavailable = await webgpuAvailable();
    if (unavailable === null) {
      try {
        return { ...(await createAll(ort, files, manifest, 'webgpu')), backend: 'webgpu' };
      } catch (e) {
        // A model that does not match its manifest fails on every backend: say so now.
        if (e instanceof ModelLoadError && /does not match the manifest/.test(e.message)) throw e;
        fallbackReason = `WebGPU session failed: ${(e as Error).message}`;
      }
    } else fallbackReason = unavailable;
  }
  return { ...(await createAll(ort, files, manifest, 'wasm')), backend: 'wasm', fallbackReason };
}

export async function releaseSessions(s: Sessions | null): Promise<void> {
  if (!s) return;
  await Promise.allSettled([s.vision.release(), s.embed.release(), s.decoder.release()]);
}

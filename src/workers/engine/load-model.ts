import { answerWordOf } from '../../real';
import { adapterFor } from '../adapters';
import { loadPackage, type LoadProgress, type PackageReader } from '../package/load';
import type { Backend, OrtSource } from '../runtime/ort-types';
import { createSessions, releaseSessions, type ModelGraphs, type Sessions } from '../runtime/sessions';
import { lastPositionLogits } from '../onnx';
import { decoderIoFromManifest } from './decoder-io';
import { GenerationEngine } from './generate';
import { checkPackageSessions } from './load-checks';
import { TRANSFORMERS_DEFAULTS, type SamplingSettings } from './sampling';
import { TextCodec } from './text';

/** What a loaded model says of itself (the trace's `modelInfo`, and the model panel). */
export interface LoadedModelInfo {
  name: string;
  family: string;
  /** Repo id, URL or folder the model came from. */
  source: string;
  dtype?: string | Record<string, string>;
  /** Decoder layers that give attention rows (every layer for a plain transformer). */
  attentionLayers: number[];
  numDecoderLayers: number;
  /** The default view's grid, when it does not depend on the image (null for dynamic-resolution models). */
  grid: { rows: number; cols: number } | null;
  question: string;
  /** The vision input size, when fixed. */
  imageSize: { width: number; height: number } | null;
  maxNewTokens: number;
  /** How the model decodes unless the user changes it, and where that comes from. */
  sampling: SamplingSettings;
  samplingFrom: 'generation_config.json' | 'config.json' | 'defaults';
  /**
   * A real model's image-token cap for native sizing (the memory plan's, or
   * the family's default); absent for the demo model, which has one fixed
   * image size.
   */
  imageTokenCap?: number;
  description?: string;
}

export interface LoadedModel {
  info: LoadedModelInfo;
  engine: GenerationEngine;
  backend: Backend;
  fallbackReason?: string;
  release(): Promise<void>;
}

/** Every vocabulary id whose text, normalised as real-method.md says, is `yes` / `no`. */
export function yesNoIds(vocab: Iterable<[string, number]>) {
  const yes: number[] = [];
  const no: number[] = [];
  for (const [token, id] of vocab) {
    const w = answerWordOf(token);
    if (w === 'yes') yes.push(id);
    else if (w === 'no') no.push(id);
  }
  return { yes: yes.sort((a, b) => a - b), no: no.sort((a, b) => a - b) };
}

/** The demo package: manifest → verified files → sessions on the preferred backend → an engine. */
/** The decoder with logits of the last position only; a graph that cannot be read is left to the session to refuse. */
function lastLogitsOf(decoder: Uint8Array): Uint8Array {
  try {
    return lastPositionLogits(decoder).bytes;
  } catch {
    return decoder;
  }
}

export async function loadModel(
  ort: OrtSource,
  reader: PackageReader,
  prefer: Backend,
  webgpuAvailable: () => Promise<string | null>,
  onProgress?: (p: LoadProgress) => void,
): Promise<LoadedModel> {
  const pkg = await loadPackage(reader, onProgress);
  const m = pkg.manifest;
  const codec = new TextCodec(pkg.files.tokenizer, m, pkg.files.tokenizerConfig);
  const adapter = adapterFor(m, codec);
  // Fail on a tokenizer that lacks the manifest's tokens before any session exists.
  for (const t of [m.prompt.imageToken, m.generation.yesToken, ...m.generation.stopTokens]) codec.id(t);
  const io = decoderIoFromManifest(m);
  const graphs: ModelGraphs = {
    vision: { name: m.files.visionEncoder.path, bytes: pkg.files.visionEncoder },
    embed: { name: m.files.embedTokens.path, bytes: pkg.files.embedTokens },
    decoder: { name: m.files.decoder.path, bytes: lastLogitsOf(pkg.files.decoder) },
  };
  const sessions: Sessions = await createSessions(ort, graphs, io, prefer, webgpuAvailable);
  // Swapped files and a grid of the wrong shape are refused now, not after a run (load-checks.ts).
  await checkPackageSessions(sessions.ort, sessions, adapter, m).catch(async (e) => {
    await releaseSessions(sessions);
    throw e;
  });
  const { yes, no } = yesNoIds(codec.tokenizer.get_vocab(true));
  const engine = new GenerationEngine(
    sessions.ort,
    sessions,
    {
      name: m.name,
      io,
      stopIds: new Set(m.generation.stopTokens.map((t) => codec.id(t))),
      yesIds: yes,
      noIds: no,
      maxNewTokens: m.generation.maxNewTokens,
      // A package says nothing of sampling: greedy, no penalty (the demo's runs are reproducible).
      sampling: TRANSFORMERS_DEFAULTS,
      question: m.prompt.question,
      maxPositions: m.decoder.maxPositions,
    },
    codec,
    adapter,
  );
  return {
    info: {
      name: m.name,
      family: m.family,
      source: reader.where,
      attentionLayers: io.attentionLayers,
      numDecoderLayers: io.numDecoderLayers,
      grid: { ...m.grid },
      question: m.prompt.question,
      imageSize: { width: m.image.width, height: m.image.height },
      maxNewTokens: m.generation.maxNewTokens,
      sampling: { ...TRANSFORMERS_DEFAULTS },
      samplingFrom: 'defaults',
      description: m.description,
    },
    engine,
    backend: sessions.backend,
    fallbackReason: sessions.fallbackReason,
    release: () => releaseSessions(sessions),
  };
}

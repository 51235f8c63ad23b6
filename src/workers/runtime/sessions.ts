import type { DecoderIo } from '../engine/decoder-io';
import { loadErrorLine, nameSessionRuntime } from './ort-error';
import { ortFor, runtimeNameOf, type Backend, type Ort, type OrtSession, type OrtSource } from './ort-types';

/**
 * Creating the model's three sessions on a backend: WebGPU when asked for and
 * available, else WebAssembly, saying why. On WebGPU the carried state
 * (`present*`: KV caches, linear-attention states) stays on the GPU; only
 * logits and the small attention rows are read back.
 */

export interface Sessions {
  vision: OrtSession;
  embed: OrtSession;
  decoder: OrtSession;
  backend: Backend;
  /** The onnxruntime module the sessions came from: their feeds' tensors must be made with it. */
  ort: Ort;
  /** The runtime's name, for messages: "onnxruntime-web (wasm)", "onnxruntime-node (cpu)", … */
  runtime: string;
  /** Why WebGPU was not used, when it was asked for. */
  fallbackReason?: string;
  /** Each session's file name, for messages. */
  files: { vision: string; embed: string; decoder: string };
}

/** One ONNX file and its external data, with the path each initializer names it by. */
export interface GraphFile {
  /** The file name, for messages (e.g. onnx/decoder_model_merged_q4.onnx). */
  name: string;
  bytes: Uint8Array;
  externalData?: { path: string; data: Uint8Array }[];
}

export interface ModelGraphs {
  vision: GraphFile;
  embed: GraphFile;
  decoder: GraphFile;
}

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

/** Checks the decoder session has every input the engine feeds and every output it reads. */
export function checkDecoderIo(decoder: OrtSession, io: DecoderIo, file: string): void {
  const inputs = [io.embedsName, io.maskName, ...io.states.map((s) => s.input)];
  if (io.positionIds) inputs.push(io.positionIds.name);
  if (io.logitsToKeep) inputs.push(io.logitsToKeep);
  if (io.useCacheBranch) inputs.push(io.useCacheBranch);
  const outputs = ['logits', ...io.states.map((s) => s.output), ...io.attentionOutputs];
  const missingIn = inputs.filter((n) => !decoder.inputNames.includes(n));
  const missingOut = outputs.filter((n) => !decoder.outputNames.includes(n));
  if (missingIn.length || missingOut.length) {
    throw new ModelLoadError(
      `${file} does not match the model description: missing ${[...missingIn.map((n) => `input ${n}`), ...missingOut.map((n) => `output ${n}`)].slice(0, 4).join(', ')}${missingIn.length + missingOut.length > 4 ? ', …' : ''}`,
    );
  }
}

async function createAll(source: OrtSource, graphs: ModelGraphs, io: DecoderIo, backend: Backend) {
  const ort = await ortFor(source, backend);
  const runtime = runtimeNameOf(ort, backend);
  // logSeverityLevel 4, fatal only: onnxruntime's logger would print its own text (build paths and
  // all) on standard error beside the error it throws, which is reported as one line (ort-error.ts).
  const base = {
    executionProviders: [backend],
    graphOptimizationLevel: 'all' as const,
    logSeverityLevel: 4 as const,
  };
  const create = async (g: GraphFile, extra: object = {}) => {
    try {
      const session = await ort.InferenceSession.create(g.bytes, {
        ...base,
        ...(g.externalData?.length ? { externalData: g.externalData } : {}),
        ...extra,
      });
      nameSessionRuntime(session, runtime);
      return session;
    } catch (e) {
      throw new ModelLoadError(loadErrorLine(g.name, runtime, e), { cause: e });
    }
  };
  const keepOnGpu =
    backend === 'webgpu'
      ? Object.fromEntries(io.states.map((s) => [s.output, 'gpu-buffer' as const]))
      : undefined;
  const vision = await create(graphs.vision);
  const embed = await create(graphs.embed);
  const decoder = await create(graphs.decoder, keepOnGpu ? { preferredOutputLocation: keepOnGpu } : {});
  checkDecoderIo(decoder, io, graphs.decoder.name);
  const files = { vision: graphs.vision.name, embed: graphs.embed.name, decoder: graphs.decoder.name };
  return { vision, embed, decoder, files, ort, runtime };
}

export async function createSessions(
  ort: OrtSource,
  graphs: ModelGraphs,
  io: DecoderIo,
  prefer: Backend,
  webgpuAvailable: () => Promise<string | null>,
): Promise<Sessions> {
  let fallbackReason: string | undefined;
  if (prefer === 'webgpu') {
    const unavailable = await webgpuAvailable();
    if (unavailable === null) {
      try {
        return { ...(await createAll(ort, graphs, io, 'webgpu')), backend: 'webgpu' };
      } catch (e) {
        // A model that does not match its description fails on every backend: say so now.
        if (e instanceof ModelLoadError && /does not match the model description/.test(e.message)) throw e;
        fallbackReason = `WebGPU session failed: ${(e as Error).message}`;
      }
    } else fallbackReason = unavailable;
  }
  return { ...(await createAll(ort, graphs, io, 'wasm')), backend: 'wasm', fallbackReason };
}

export async function releaseSessions(s: Sessions | null): Promise<void> {
  if (!s) return;
  await Promise.allSettled([s.vision.release(), s.embed.release(), s.decoder.release()]);
}

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Trace } from '../real';
import type { SizingUsed } from '../workers/adapters/image-sizing';
import { parseDtypeRequest } from '../workers/hub';
import { TraceBuilder } from '../workers/engine/assemble';
import type { GenerateOptions } from '../workers/engine/generate';
import type { RgbaImage } from '../workers/engine/image';
import { loadModel, type LoadedModel } from '../workers/engine/load-model';
import { loadRepoModel } from '../workers/engine/load-repo-model';
import { assertFiniteTrace } from './finite-json';
import { NodeDirReader } from './node-reader';
import { DEFAULT_RUNTIME, noWebGpuInNode, ortForChoice, type RuntimeChoice } from './node-ort';
import { NodeFolderSource } from './node-repo-source';

/**
 * The model in Node, on the same engine as the browser worker: on
 * onnxruntime-node by default, or onnxruntime-web's wasm (node-ort.ts). A
 * folder with manifest.json is a model package (the demo model); one with
 * config.json is a Hugging Face repo, patched as it loads.
 */
export async function loadModelDir(
  dir: string,
  dtype?: string,
  runtime: RuntimeChoice = DEFAULT_RUNTIME,
): Promise<LoadedModel> {
  const ort = await ortForChoice(runtime);
  if (!existsSync(join(dir, 'manifest.json')) && existsSync(join(dir, 'config.json'))) {
    return loadRepoModel(ort, new NodeFolderSource(dir), {
      prefer: 'wasm',
      webgpuAvailable: noWebGpuInNode,
      dtype: dtype === undefined ? undefined : parseDtypeRequest(dtype),
    });
  }
  if (dtype !== undefined)
    throw new Error(`--dtype applies to a Hugging Face repo; ${dir} is a model package`);
  return loadModel(ort, new NodeDirReader(dir), 'wasm', noWebGpuInNode);
}

export async function runToTrace(
  model: LoadedModel,
  image: RgbaImage,
  options: GenerateOptions = {},
  onSizing?: (s: SizingUsed) => void,
): Promise<Trace> {
  const builder = TraceBuilder.forModel(model.info);
  await model.engine.generate(image, { ...options, onSizing }, (e) => builder.add(e));
  assertFiniteTrace(builder.trace);
  return builder.trace;
}

import type { Trace } from '../real';
import { TraceBuilder } from '../workers/engine/assemble';
import type { GenerateOptions } from '../workers/engine/generate';
import type { RgbaImage } from '../workers/engine/image';
import { loadModel, type LoadedModel } from '../workers/engine/load-model';
import { NodeDirReader } from './node-reader';
import { noWebGpuInNode, nodeOrt } from './node-ort';

/** The model in Node: onnxruntime-web's wasm backend, the same engine as the browser worker. */
export async function loadModelDir(dir: string): Promise<LoadedModel> {
  return loadModel(await nodeOrt(), new NodeDirReader(dir), 'wasm', noWebGpuInNode);
}

export async function runToTrace(
  model: LoadedModel,
  image: RgbaImage,
  options: GenerateOptions = {},
): Promise<Trace> {
  const builder = new TraceBuilder();
  await model.engine.generate(image, options, (e) => builder.add(e));
  return builder.trace;
}

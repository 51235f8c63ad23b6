/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { ImageInputError, checkImageSize, type RgbaImage } from './engine/image';
import { imageSizeFromHeader } from './engine/image-header';
import { loadModel, type LoadedModel } from './engine/load-model';
import type { ImageInput, InferenceApi, ModelInfo } from './inference-api';
import { FetchReader, FileListReader } from './package/fetch-reader';
import { browserOrt, webgpuUnavailable } from './runtime/browser-ort';

/**
 * The inference worker: owns onnxruntime-web and the loaded model. A failed
 * load keeps the previous model; a failed run leaves the worker usable.
 */
let model: LoadedModel | null = null;
const abort = { aborted: false };

async function decode(image: ImageInput): Promise<RgbaImage> {
  if (image.kind === 'rgba') return image;
  // Refuse a huge image from its header, before decoding it into memory.
  const size = imageSizeFromHeader(new Uint8Array(await image.blob.slice(0, 64 * 1024).arrayBuffer()));
  if (size) checkImageSize(size.width, size.height, image.name);
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(image.blob);
  } catch (e) {
    throw new ImageInputError(
      `${image.name}: not an image this browser can read (${(e as Error).message || 'decode failed'})`,
      { cause: e },
    );
  }
  try {
    checkImageSize(bitmap.width, bitmap.height, image.name);
  } catch (e) {
    bitmap.close();
    throw e;
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d')!;
  ctx.drawImage(bitmap, 0, 0);
  bitmap.close();
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  return { width: canvas.width, height: canvas.height, data };
}

function info(m: LoadedModel): ModelInfo {
  const x = m.manifest;
  return {
    name: x.name,
    family: x.family,
    description: x.description,
    backend: m.backend,
    fallbackReason: m.fallbackReason,
    grid: { ...x.grid },
    numLayers: x.decoder.numLayers,
    question: x.prompt.question,
    imageSize: { width: x.image.width, height: x.image.height },
    maxNewTokens: x.generation.maxNewTokens,
  };
}

const api: InferenceApi = {
  async load(source, prefer, onProgress) {
    const reader =
      source.kind === 'url'
        ? new FetchReader(new URL(source.url, self.location.origin).href, 'real-inspector-models')
        : new FileListReader(source.files);
    const ort = await browserOrt();
    const next = await loadModel(ort, reader, prefer, webgpuUnavailable, onProgress);
    const previous = model;
    model = next;
    await previous?.release();
    return info(next);
  },

  async generate(image, request, onEvent) {
    if (!model) throw new Error('no model is loaded');
    const rgba = await decode(image);
    abort.aborted = false;
    return model.engine.generate(rgba, { ...request, signal: abort }, (e) => {
      if (e.type === 'token' || e.type === 'start') {
        const rows = e.type === 'token' ? e.attention : e.promptAttention;
        onEvent(
          Comlink.transfer(
            e,
            rows.map((r) => r.buffer as ArrayBuffer),
          ),
        );
      } else onEvent(e);
    });
  },

  cancel() {
    abort.aborted = true;
  },
};

Comlink.expose(api);

// Lets an end-to-end test crash the worker the way a real fault would (an uncaught error).
self.addEventListener('message', (e: MessageEvent) => {
  if (e.data === 'real-inspector:crash-for-tests') {
    setTimeout(() => {
      throw new Error('crash requested by a test');
    });
  }
});
export type { InferenceApi };

/// <reference lib="webworker" />
import * as Comlink from 'comlink';
import { decodeImageBlob } from './engine/decode-blob';
import type { RgbaImage } from './engine/image';
import { loadModel, type LoadedModel } from './engine/load-model';
import { loadRepoModel } from './engine/load-repo-model';
import type { DeviceLimits, ImageInput, InferenceApi, ModelInfo, ModelSource } from './inference-api';
import type { LoadProgress } from './package/load';
import type { Backend } from './runtime/ort-types';
import { FetchReader, FileListReader } from './package/fetch-reader';
import { forgetPlan, isRepoFolder, repoPlanFor, summarise } from './repo-sources';
import { browserOrt, webgpuHasShaderF16, webgpuUnavailable } from './runtime/browser-ort';

/**
 * The inference worker: owns onnxruntime-web and the loaded model. A failed
 * load keeps the previous model; a failed run leaves the worker usable.
 */
let model: LoadedModel | null = null;
const abort = { aborted: false };
/** The download in progress, to stop it (what arrived is kept for the next load). */
let loading: AbortController | null = null;
/** The size check in progress, to stop it. */
let inspecting: AbortController | null = null;

const isPackage = (source: ModelSource) =>
  source.kind === 'url' || (source.kind === 'files' && !isRepoFolder(source.files));

async function loadFrom(
  source: ModelSource,
  prefer: Backend,
  onProgress: (p: LoadProgress) => void,
  signal: AbortSignal,
  limits: DeviceLimits | undefined,
): Promise<LoadedModel> {
  // One onnxruntime build per backend, imported when a session on it is made (browser-ort.ts).
  const ort = browserOrt;
  if (source.kind === 'url')
    return loadModel(
      ort,
      new FetchReader(new URL(source.url, self.location.origin).href, 'real-inspector-models'),
      prefer,
      webgpuUnavailable,
      onProgress,
    );
  if (source.kind === 'files' && isPackage(source))
    return loadModel(ort, new FileListReader(source.files), prefer, webgpuUnavailable, onProgress);
  const {
    source: repo,
    plan,
    fallbackReason,
  } = await repoPlanFor(source, prefer, webgpuUnavailable, webgpuHasShaderF16, signal, limits);
  const loaded = await loadRepoModel(ort, repo, {
    prefer,
    webgpuAvailable: webgpuUnavailable,
    plan,
    fallbackReason,
    signal,
    onProgress,
    limits,
  });
  forgetPlan();
  return loaded;
}

/** Pixels of the image to run: checked and decoded as in Node (decode-blob.ts). */
async function decode(image: ImageInput): Promise<RgbaImage> {
  if (image.kind === 'rgba') return image;
  return decodeImageBlob(image.blob, image.name);
}

function info(m: LoadedModel): ModelInfo {
  return { ...m.info, backend: m.backend, fallbackReason: m.fallbackReason };
}

const api: InferenceApi = {
  async inspect(source, prefer, limits) {
    if (isPackage(source)) throw new Error('a model package needs no size check: load it');
    inspecting?.abort();
    const controller = new AbortController();
    inspecting = controller;
    try {
      const { plan } = await repoPlanFor(
        source,
        prefer,
        webgpuUnavailable,
        webgpuHasShaderF16,
        controller.signal,
        limits,
      );
      return summarise(plan);
    } catch (e) {
      if (controller.signal.aborted)
        throw new Error('the check was stopped; nothing was downloaded', { cause: e });
      throw e;
    } finally {
      if (inspecting === controller) inspecting = null;
    }
  },

  cancelInspect() {
    inspecting?.abort();
  },

  async load(source, prefer, onProgress, limits) {
    loading?.abort();
    const controller = new AbortController();
    loading = controller;
    try {
      const next = await loadFrom(source, prefer, onProgress, controller.signal, limits);
      const previous = model;
      model = next;
      await previous?.release();
      return info(next);
    } catch (e) {
      if (controller.signal.aborted)
        throw new Error('the download was stopped; load again to resume it', { cause: e });
      throw e;
    } finally {
      if (loading === controller) loading = null;
    }
  },

  cancelLoad() {
    loading?.abort();
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

/// <reference lib="webworker" />
/**
 * For `npm run bench:decode` only: the app's engine and onnxruntime build in
 * a Chromium worker with no page drawing beside it (the app's inference
 * worker without Comlink and the UI), to tell onnxruntime's speed in
 * Chromium from what the page costs it. Built by the bench into a folder of
 * its own, never into the app.
 */
import type { RunTimings } from '../src/workers/engine/events';
import { decodeImageBlob } from '../src/workers/engine/decode-blob';
import { loadModel } from '../src/workers/engine/load-model';
import { FetchReader } from '../src/workers/package/fetch-reader';
import { browserOrt } from '../src/workers/runtime/browser-ort';

export interface WorkerBenchRequest {
  model: string;
  samples: string[];
  repeats: number;
}

export interface WorkerBenchRun {
  sample: string;
  ids: number[];
  /** Every token's attention rows, concatenated (layer by layer). */
  rows: number[];
  timings: RunTimings;
}

self.onmessage = async (e: MessageEvent<WorkerBenchRequest>) => {
  try {
    const { model, samples, repeats } = e.data;
    const origin = self.location.origin;
    const m = await loadModel(
      browserOrt,
      new FetchReader(new URL(model, origin).href),
      'wasm',
      async () => 'the bench asks for wasm',
    );
    const runs: WorkerBenchRun[] = [];
    for (let r = 0; r <= repeats; r++) {
      for (const sample of samples) {
        const blob = await (await fetch(new URL(`/samples/eval/${sample}.png`, origin))).blob();
        const image = await decodeImageBlob(blob, sample);
        const ids: number[] = [];
        const rows: number[] = [];
        let timings: RunTimings | undefined;
        await m.engine.generate(image, {}, (ev) => {
          if (ev.type === 'token') {
            ids.push(ev.id);
            for (const row of ev.attention) for (const x of row) rows.push(x);
          } else if (ev.type === 'end') timings = ev.timings;
        });
        if (r > 0 && timings) runs.push({ sample, ids, rows, timings });
      }
    }
    await m.release();
    self.postMessage({ runs });
  } catch (err) {
    self.postMessage({ error: String((err as Error).stack ?? err) });
  }
};

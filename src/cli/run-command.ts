import { serializeTrace } from '../real';
import { cappedNote } from '../workers/adapters/image-sizing';
import type { GenerateOptions } from '../workers/engine/generate';
import { pngDataUrl, readImageFile } from './image-file';
import { formForPath, writeTraceFile } from './trace-out';
import { DEFAULT_RUNTIME, runtimeLabel, type RuntimeChoice } from './node-ort';
import { loadModelDir, runToTrace } from './run-model';

/** `real run IMAGE --model DIR [--out trace.json]`: one answer, saved as a trace. */
export async function runCommand(
  imagePath: string,
  modelDir: string,
  out: string | undefined,
  log: (s: string) => void,
  {
    dtype,
    runtime = DEFAULT_RUNTIME,
    ...options
  }: GenerateOptions & { dtype?: string; runtime?: RuntimeChoice } = {},
) {
  const image = readImageFile(imagePath);
  const model = await loadModelDir(modelDir, dtype, runtime);
  try {
    const trace = await runToTrace(model, image, options, (s) => {
      if (s.capped) log(`real: ${cappedNote(s)} (--max-image-tokens changes the cap)`);
    });
    const dataUrl = pngDataUrl(image);
    // Version 2 keeps the original size beside the pixels (the map is drawn at the image's aspect ratio).
    trace.image = trace.version === 2 ? { width: image.width, height: image.height, dataUrl } : dataUrl;
    const text = trace.generated.map((t) => t.text).join('');
    log(`${model.info.name} on ${runtimeLabel(runtime)}: ${text.trim()}`);
    if (trace.answerProbability !== undefined) log(`P(yes) = ${trace.answerProbability.toFixed(4)}`);
    const g = trace.generation;
    if (g && !g.greedy) log(`sampled with seed ${g.seed} (the same run again: --seed ${g.seed})`);
    if (out) {
      // Streamed in parts (never one string); `.json` is the JSON form, any other name the binary container.
      writeTraceFile(out, trace, formForPath(out));
      log(`trace written to ${out}`);
      return '';
    }
    return serializeTrace(trace);
  } finally {
    await model.release();
  }
}

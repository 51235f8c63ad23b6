import { halvesToFloat32 } from '../../real/trace/float16';
import type { VisionInput } from '../adapters/types';
import type { Ort, OrtSession, OrtTensor } from '../runtime/ort-types';
import { runSession } from '../runtime/run-session';

/**
 * Reading the decoder's and the vision encoder's outputs whatever their
 * layout: logits of every position or only the last (num_logits_to_keep),
 * float32 or float16; image features as [N, H] or [B, N, H].
 */

/** The last position's logits as float32, from logits of shape [1, S, V] (S may be 1). */
export async function logitsOfLastPosition(t: OrtTensor): Promise<Float32Array> {
  const vocab = t.dims[t.dims.length - 1];
  const data = (await t.getData()) as Float32Array | Uint16Array;
  const last = data.subarray(data.length - vocab);
  return t.type === 'float16' ? halvesToFloat32(last) : Float32Array.from(last as Float32Array);
}

/** A float32 or float16 tensor's values as float32 (float16: bit patterns, or a native Float16Array's numbers). */
export async function floatData(t: OrtTensor): Promise<Float32Array> {
  const data = (await t.getData()) as Float32Array | Uint16Array;
  if (t.type === 'float16') return halvesToFloat32(data);
  if (t.type !== 'float32') throw new Error(`expected float32 or float16 values, got ${t.type}`);
  return data as Float32Array;
}

export async function imageFeatures(
  ort: Ort,
  file: string,
  vision: OrtSession,
  feeds: Record<string, VisionInput>,
): Promise<Float32Array> {
  const out = await runSession(
    file,
    vision,
    Object.fromEntries(
      Object.entries(feeds).map(([name, t]) => [
        name,
        t.type === 'float32'
          ? new ort.Tensor('float32', t.data, t.dims)
          : t.type === 'int64'
            ? new ort.Tensor('int64', t.data, t.dims)
            : new ort.Tensor('bool', t.data, t.dims),
      ]),
    ),
  );
  const name = out.image_features ? 'image_features' : vision.outputNames[0];
  const t = out[name];
  const data = (await t.getData()) as Float32Array | Uint16Array;
  const features = t.type === 'float16' ? halvesToFloat32(data) : (data as Float32Array);
  for (const x of Object.values(out)) x.dispose();
  return features;
}

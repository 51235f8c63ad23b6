import { bool, own, positive, rgbTriple, RepoConfigError, wholeNumber, type Json } from './config-read';
import { filterForResample, type Filter } from './processing/resample';

/**
 * The image processor settings every family shares, read with Python's
 * defaults for absent keys (transformers.js instead skips normalisation
 * when `do_normalize` is absent and resamples bilinearly when `resample` is:
 * the specimens' preprocessing README, "Pitfalls").
 */
export interface ImageSettings {
  doResize: boolean;
  filter: Filter;
  rescale: number;
  mean: [number, number, number];
  std: [number, number, number];
}

export function imageSettings(
  pp: Json | undefined,
  defaults: { resample: number; mean: readonly number[]; std: readonly number[] },
): ImageSettings {
  const where = (k: string) => `preprocessor_config.json ${k}`;
  const resample = own(pp, 'resample');
  const doRescale = bool(where('do_rescale'), own(pp, 'do_rescale'), true);
  const doNormalize = bool(where('do_normalize'), own(pp, 'do_normalize'), true);
  const factor = own(pp, 'rescale_factor');
  return {
    doResize: bool(where('do_resize'), own(pp, 'do_resize'), true),
    filter: filterForResample(
      resample === undefined || resample === null
        ? defaults.resample
        : wholeNumber(where('resample'), resample, 0),
    ),
    rescale: doRescale
      ? factor === undefined || factor === null
        ? 1 / 255
        : positive(where('rescale_factor'), factor)
      : 1,
    mean: doNormalize ? rgbTriple(where('image_mean'), own(pp, 'image_mean') ?? defaults.mean) : [0, 0, 0],
    std: doNormalize ? rgbTriple(where('image_std'), own(pp, 'image_std') ?? defaults.std, true) : [1, 1, 1],
  };
}

/** One value given in two files (preprocessor and vision config) must agree; absent in both takes the default. */
export function agreed(
  name: string,
  a: { where: string; value: unknown },
  b: { where: string; value: unknown },
  fallback: number,
): number {
  const x = a.value === undefined || a.value === null ? undefined : wholeNumber(a.where, a.value);
  const y = b.value === undefined || b.value === null ? undefined : wholeNumber(b.where, b.value);
  if (x !== undefined && y !== undefined && x !== y)
    throw new RepoConfigError(`${a.where} is ${x} but ${b.where} is ${y}; the ${name} must agree`);
  return x ?? y ?? fallback;
}

export function iota(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

import {
  MAX_IMAGE_TOKEN_CAP,
  PAPER_SIZING,
  parseImageSize,
  type SizingRequest,
} from '../workers/adapters/image-sizing';
import { UsageError } from './args';

/**
 * `--image-size paper|native|N` and `--max-image-tokens N` for `run`,
 * `prepare` and `eval` (real-method.md, "Image size"): the paper's 420 × 420
 * unless told otherwise; the cap, when given, replaces the memory plan's.
 * The demo model keeps its own fixed size whatever they say.
 */
export const SIZING_OPTIONS = {
  'image-size': { type: 'string' },
  'max-image-tokens': { type: 'string' },
} as const;

export function sizingFromFlags(values: Record<string, string | boolean | undefined>): SizingRequest {
  const raw = values['image-size'];
  const cap = values['max-image-tokens'];
  let sizing: SizingRequest = PAPER_SIZING;
  if (raw !== undefined) {
    const parsed = parseImageSize(String(raw));
    if (typeof parsed === 'string') throw new UsageError(`--image-size ${String(raw)}: ${parsed}`);
    sizing = parsed;
  }
  if (cap !== undefined) {
    const text = String(cap);
    if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > MAX_IMAGE_TOKEN_CAP)
      throw new UsageError(
        `--max-image-tokens ${text}: expected a whole number of image tokens from 1 to ${MAX_IMAGE_TOKEN_CAP}`,
      );
    sizing = { ...sizing, maxImageTokens: Number(text) };
  }
  return sizing;
}

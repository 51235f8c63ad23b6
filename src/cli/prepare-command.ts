import { Tokenizer } from '@huggingface/tokenizers';
import { familyRepoFrom, hfAdapter } from '../workers/adapters/hf-families';
import { CONFIG_FILES, parseRepoConfig, type RepoFiles } from '../workers/hub/config';
import { HubError } from '../workers/hub/hub-error';
import { UsageError } from './args';
import { readImageFile } from './image-file';
import { NodeFolderSource } from './node-repo-source';

/**
 * `real prepare IMAGE --model DIR [--question Q] [--tier 1|2|3|none]`: what
 * the model will see, without loading any ONNX file: the family, the image
 * and its resized size, the default view's grid and its cells' sequence
 * positions (row-major, as in a trace), every view with its box in the
 * image's pixels, the token counts, the whole prompt after the chat template
 * and the image expansion, and the position ids (three M-RoPE rows, or one).
 */
export async function prepareCommand(
  imagePath: string,
  modelDir: string,
  options: { question?: string; tier?: 1 | 2 | 3 | null },
): Promise<string> {
  const image = readImageFile(imagePath);
  const source = new NodeFolderSource(modelDir);
  const files: RepoFiles = {};
  for (const name of CONFIG_FILES) if (await source.exists(name)) files[name] = await source.read(name);
  const parsed = parseRepoConfig(files);
  if (!parsed.tokenizerJson)
    throw new HubError('tokenizer.json', 'is missing: the prompt cannot be tokenised');
  const tokenizer = new Tokenizer(parsed.tokenizerJson, parsed.tokenizerConfig ?? {});
  const adapter = hfAdapter(familyRepoFrom(parsed, tokenizer));
  const plan = adapter.plan(image, options);
  const S = plan.ids.length;
  const pos = plan.positionIds(0, S);
  const rows = pos === null ? 1 : pos.dims[0];
  const positionIds = Array.from({ length: rows }, (_, r) =>
    pos === null
      ? Array.from({ length: S }, (_, i) => i)
      : Array.from(pos.data.subarray(r * S, (r + 1) * S), Number),
  );
  return JSON.stringify({
    family: plan.family,
    image: plan.image,
    resized: plan.resized,
    grid: plan.grid,
    imagePositions: plan.imagePositions,
    views: plan.views,
    imageTokens: plan.featurePositions.length,
    promptTokens: S,
    text: plan.text,
    positionIds,
    positionKind: plan.positionKind,
    ropeDelta: plan.ropeDelta,
    prompting: plan.prompting,
    thinking: plan.thinking,
    stopIds: adapter.stopIds,
  });
}

/** `--tier 1|2|3|none` (absent: the default tier, 1). */
export function parseTier(raw: string | undefined): 1 | 2 | 3 | null | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'none') return null;
  if (raw === '1' || raw === '2' || raw === '3') return Number(raw) as 1 | 2 | 3;
  throw new UsageError(`--tier ${raw}: expected 1, 2, 3 or none`);
}

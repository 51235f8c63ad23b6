import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { familyRepoFrom, hfAdapter } from '../workers/adapters/hf-families';
import { cappedNote, PAPER_SIZING, type SizingRequest } from '../workers/adapters/image-sizing';
import { CONFIG_FILES, parseRepoConfig, type RepoFiles } from '../workers/hub/config';
import { HubError } from '../workers/hub/hub-error';
import { buildTokenizer } from '../workers/hub/tokenizer-file';
import { SMALL_FILE_CAP, TOKENIZER_CAP } from '../workers/hub/plan';
import { planForDevice, planImageTokenCap } from '../workers/engine/load-repo-model';
import { UsageError } from './args';
import { readImageFile } from './image-file';
import { NodeFolderSource } from './node-repo-source';

/**
 * `real prepare IMAGE --model DIR [--question Q] [--tier 1|2|3|none] [--image-size …]`: what
 * the model will see, without loading any ONNX file: the family, the image
 * and its resized size, the default view's grid and its cells' sequence
 * positions (row-major, as in a trace), every view with its box in the
 * image's pixels, the token counts, the whole prompt after the chat template
 * and the image expansion, the position ids (three M-RoPE rows, or one),
 * and the sizing (paper by default) with its image-token cap.
 */
export async function prepareCommand(
  imagePath: string,
  modelDir: string,
  options: { question?: string; tier?: 1 | 2 | 3 | null; sizing?: SizingRequest },
  log: (line: string) => void = () => {},
): Promise<string> {
  const image = readImageFile(imagePath);
  const source = new NodeFolderSource(modelDir);
  // The caps planRepo reads under for inspect-model and run: a 700 MB config.json or a 300 MB
  // tokenizer.json is refused by its size, before a byte of it is read.
  const files: RepoFiles = {};
  for (const name of CONFIG_FILES)
    if (await source.exists(name))
      files[name] = await source.read(name, {
        maxBytes: name === 'tokenizer.json' ? TOKENIZER_CAP : SMALL_FILE_CAP,
      });
  const parsed = parseRepoConfig(files);
  if (!parsed.tokenizerJson)
    throw new HubError('tokenizer.json', 'is missing: the prompt cannot be tokenised');
  const tokenizer = buildTokenizer(parsed.tokenizerJson, parsed.tokenizerConfig);
  // With its graphs in the folder, the image-token cap is the memory plan's, as `run` has it (wasm).
  const hasGraphs = existsSync(join(modelDir, 'onnx'));
  const planImageTokens = hasGraphs ? planImageTokenCap(await planForDevice(source, 'wasm', {})) : undefined;
  const adapter = hfAdapter(familyRepoFrom(parsed, tokenizer, { planImageTokens }));
  const plan = adapter.plan(image, { ...options, sizing: options.sizing ?? PAPER_SIZING });
  if (plan.sizing.capped) log(`real: ${cappedNote(plan.sizing)} (--max-image-tokens changes the cap)`);
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
    sizing: { mode: plan.sizing.mode, size: plan.sizing.size, capped: plan.sizing.capped },
    maxImageTokens: plan.sizing.cap,
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

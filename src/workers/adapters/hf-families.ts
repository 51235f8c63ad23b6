import type { Tokenizer } from '@huggingface/tokenizers';
import { own, type Json } from './config-read';
import { gemma3Adapter } from './gemma3';
import { FamilyError, type HfAdapter, type FamilyLayout } from './hf-adapter';
import type { FamilyRepo } from './hf-types';
import { idefics3Adapter } from './idefics3';
import { qwenVlAdapter } from './qwen-vl';

/**
 * Hugging Face VLM families by config.json's `model_type`. Looked up by own
 * key only: a model_type such as `constructor` or `__proto__` is an unknown
 * family, never a method of Object.prototype.
 */
const FAMILIES: Record<string, (family: string, repo: FamilyRepo) => HfAdapter<FamilyLayout>> = {
  idefics3: idefics3Adapter,
  smolvlm: idefics3Adapter,
  qwen2_vl: qwenVlAdapter,
  qwen2_5_vl: qwenVlAdapter,
  qwen3_vl: qwenVlAdapter,
  qwen3_5: qwenVlAdapter,
  gemma3: gemma3Adapter,
};

export const KNOWN_FAMILIES: readonly string[] = Object.keys(FAMILIES);

export function isKnownFamily(modelType: unknown): modelType is string {
  return typeof modelType === 'string' && Object.hasOwn(FAMILIES, modelType);
}

/** The adapter for a repo, by config.json's model_type. */
export function hfAdapter(repo: FamilyRepo): HfAdapter<FamilyLayout> {
  const type = own(repo.config, 'model_type');
  if (!isKnownFamily(type)) {
    const shown = typeof type === 'string' ? `"${type}"` : type === undefined ? 'none' : JSON.stringify(type);
    throw new FamilyError(`unknown model_type ${shown} in config.json; known: ${KNOWN_FAMILIES.join(', ')}`);
  }
  return FAMILIES[type](type, repo);
}

/** The parts of the hub loader's parsed repo (src/workers/hub/config.ts, RepoConfig) an adapter reads. */
export interface ParsedRepo {
  config: Json;
  preprocessor: Json | null;
  processor: Json | null;
  tokenizerConfig: Json | null;
  chatTemplate: string | null;
  /** Stop ids as the hub loader read them (generation_config.json, else config.json); empty when neither has one. */
  generation: { eosTokenIds: number[] };
}

/** A FamilyRepo from the hub loader's parsed files and a tokenizer built from its tokenizer.json. */
export function familyRepoFrom(
  parsed: ParsedRepo,
  tokenizer: Tokenizer,
  graphs: Pick<
    FamilyRepo,
    'decoderPositionIds' | 'visionInputNames' | 'maxImageTokens' | 'planImageTokens'
  > = {},
): FamilyRepo {
  if (parsed.chatTemplate === null)
    throw new FamilyError(
      'the repo has no chat template (chat_template.jinja, chat_template.json or tokenizer_config.json chat_template)',
    );
  return {
    config: parsed.config,
    preprocessor: parsed.preprocessor ?? undefined,
    processor: parsed.processor ?? undefined,
    tokenizerConfig: parsed.tokenizerConfig ?? undefined,
    // Empty: stopIdsOf falls back to tokenizer_config.json's eos_token.
    generation: parsed.generation.eosTokenIds.length
      ? { eos_token_id: parsed.generation.eosTokenIds }
      : undefined,
    tokenizer,
    chatTemplate: parsed.chatTemplate,
    ...graphs,
  };
}

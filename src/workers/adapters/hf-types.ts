import type { Tokenizer } from '@huggingface/tokenizers';
import type { Json } from './config-read';
import type { SizingUsed } from './image-sizing';
import type { PreparedRun, ViewSpec } from './types';

/**
 * What a Hugging Face VLM repo gives an adapter, as plain objects (the hub
 * loader parses and merges the files; nothing here reads them).
 */
export interface FamilyRepo {
  /** config.json. */
  config: Json;
  /** preprocessor_config.json, completed by processor_config.json's `image_processor` section. */
  preprocessor?: Json;
  /** processor_config.json (Idefics3's `image_seq_len`, Gemma 3's `image_seq_length`). */
  processor?: Json;
  /** generation_config.json (stop tokens). */
  generation?: Json;
  tokenizer: Tokenizer;
  /** tokenizer_config.json (bos/eos and the model's special token strings). */
  tokenizerConfig?: Json;
  /** The chat template source (chat_template.jinja, chat_template.json or tokenizer_config.chat_template). */
  chatTemplate: string;
  /**
   * The decoder graph's position_ids input: null when it has none, its rank
   * (2: [B, S]; 3: M-RoPE [3, B, S]); undefined when the graph was not read
   * (the family's usual layout is assumed).
   */
  decoderPositionIds?: null | { rank: 2 | 3 };
  /** The vision encoder graph's input names, when read (Qwen's grid input is `grid_thw` or `image_grid_thw`). */
  visionInputNames?: readonly string[];
  /**
   * An image-token cap that replaces the default (native sizing reduces to
   * it, the other sizings refuse past it).
   */
  maxImageTokens?: number;
  /**
   * The memory plan's largest image-token count for the device; the cap is
   * the smaller of it and the family's conservative default (image-sizing.ts).
   */
  planImageTokens?: number;
}

export type Size = { width: number; height: number };

/** What the model will see for an image and a question, without the pixels (`real prepare`). */
export interface HfPlan {
  family: string;
  image: Size;
  /** The size the image is resized to before patches or tiles are cut. */
  resized: Size;
  ids: number[];
  /** The whole prompt after the chat template and the image expansion. */
  text: string;
  /** Sequence positions of the image tokens, in the order of the vision encoder's features. */
  featurePositions: number[];
  grid: { rows: number; cols: number };
  imagePositions: number[];
  /** Every grid a user can look at; the default view first. */
  views: ViewSpec[];
  prompting: { system: string | null; tier: 1 | 2 | 3 | null };
  /** True when the chat template opened `<think>` itself (counted as tier 1). */
  thinking: boolean;
  /** How the image was sized, the size the model saw (trace-format.md, `sizing`), the cap and the tokens. */
  sizing: SizingUsed;
  positionIds: PreparedRun['positionIds'];
  /** How the decoder takes positions: M-RoPE rows, one row, or none (implicit 0…S−1). */
  positionKind: 'mrope' | 'plain' | 'none';
  /** M-RoPE's max + 1 − S (the shift of every decoded position); 0 otherwise. */
  ropeDelta: number;
}

export type HfPrepared = HfPlan & PreparedRun;

/**
 * The tiny repos' families: each one's tokenizer (its special tokens and a
 * few dozen words), chat template, config.json / generation_config.json /
 * preprocessor_config.json / processor_config.json / tokenizer_config.json
 * with the real repos' keys, and its graphs' shapes.
 */
import type { DecoderSpec, VisionSpec } from './tiny-repo-graphs';
import {
  GEMMA3_TEMPLATE,
  QWEN2_VL_TEMPLATE,
  QWEN3_5_TEMPLATE,
  SMOLVLM_TEMPLATE,
} from './tiny-repo-templates';
import { tinyTokenizer, type AddedTokenSpec, type TinyTokenizer } from './tiny-repo-tokenizer';
import { HIDDEN } from './tiny-repo-weights';
import type { TemplatePlace, TinyFamily } from './tiny-repo';

/** Vocabulary words (each with and without a leading space): the question, the tiers' prompts, answers, defects. */
// prettier-ignore
export const WORDS = [
  'Are', 'are', 'there', 'any', 'defects', 'defect', 'or', 'anomalies', 'anomaly', 'abnormal', 'anomalous',
  'in', 'the', 'image', 'yes', 'no', 'Yes', 'No', 'a', 'an', 'is', 'it', 'scratch', 'crack', 'dent',
  'stain', 'hole', 'bright', 'dark', 'spot', 'square', 'left', 'right', 'top', 'bottom', 'center',
  'surface', 'normal', 'object', 'answer', 'think', 'reason', 'step', 'by', 'and', 'then', 'with',
  'inside', 'tags', 'You', 'helpful', 'assistant', 'user', 'User', 'Assistant', 'model', 'system',
  'Answer', 'Look', 'at', 'carefully', 'of', 'first', 'final', 'short', 'justification', 'Picture',
  'reasoning', 'explain', 'briefly', 'your', 'Think', 'Reason', 'Then', 'give', 'only', 'word', 'one',
];

const special = (...names: string[]): AddedTokenSpec[] =>
  names.map((content) => ({ content, special: true }));
const plain = (...names: string[]): AddedTokenSpec[] => names.map((content) => ({ content, special: false }));
const TAGS = plain('<think>', '</think>', '<answer>', '</answer>');

export type Json = Record<string, unknown>;

export interface FamilyDef {
  modelType: string;
  tokenizer: TinyTokenizer;
  imageToken: string;
  eos: string[];
  template: string;
  /** Where the family's real repos keep the chat template (checked against the specimens and the hub). */
  templateIn: TemplatePlace[];
  vision: VisionSpec;
  decoder: Omit<DecoderSpec, 'exposeProbs'>;
  layerKinds: ('attention' | 'linear')[];
  config(t: TinyTokenizer, text: Json): Json;
  generation(t: TinyTokenizer): Json;
  preprocessor: Json;
  processor: Json | null;
  tokenizerConfig: Json;
}

export const textConfig = (
  vocab: number,
  w: { heads: number; kvHeads: number; headDim: number },
  layers: number,
): Json => ({
  hidden_size: HIDDEN,
  intermediate_size: 2 * HIDDEN,
  num_hidden_layers: layers,
  num_attention_heads: w.heads,
  num_key_value_heads: w.kvHeads,
  head_dim: w.headDim,
  vocab_size: vocab,
});
export const SHAPE = { heads: 2, kvHeads: 1, headDim: 16 };

const QWEN_SPECIAL = special(
  '<|endoftext|>',
  '<|im_start|>',
  '<|im_end|>',
  '<|object_ref_start|>',
  '<|object_ref_end|>',
  '<|box_start|>',
  '<|box_end|>',
  '<|quad_start|>',
  '<|quad_end|>',
  '<|vision_start|>',
  '<|vision_end|>',
  '<|vision_pad|>',
  '<|image_pad|>',
  '<|video_pad|>',
);
const CLIP_MEAN = [0.48145466, 0.4578275, 0.40821073];
const CLIP_STD = [0.26862954, 0.26130258, 0.27577711];
/** 224 × 224 is then 8 × 8 merged cells at patch 14 (factor 28); larger images shrink to at most that many pixels. */
const QWEN2_MAX_PIXELS = 224 * 224;
/** 256 × 256 at patch 16 (factor 32): also 8 × 8; Qwen3.5's real min_pixels is the same 65536. */
const QWEN3_5_PIXELS = 256 * 256;

function qwenFamily(family: 'qwen2_vl' | 'qwen2_5_vl' | 'qwen3_5' | 'qwen3_5_hybrid'): FamilyDef {
  const tok = tinyTokenizer('qwen', WORDS, {
    trailing: [...QWEN_SPECIAL, ...plain('<tool_call>', '</tool_call>'), ...TAGS],
  });
  const v3 = family === 'qwen3_5' || family === 'qwen3_5_hybrid';
  const patch = v3 ? 16 : 14;
  const ids = (t: TinyTokenizer) => ({
    vision_start_token_id: t.id('<|vision_start|>'),
    vision_end_token_id: t.id('<|vision_end|>'),
    image_token_id: t.id('<|image_pad|>'),
    video_token_id: t.id('<|video_pad|>'),
  });
  const visionConfig = {
    depth: 1,
    hidden_size: 16,
    num_heads: 1,
    in_chans: 3,
    in_channels: 3,
    out_hidden_size: HIDDEN,
    patch_size: patch,
    spatial_merge_size: 2,
    temporal_patch_size: 2,
    ...(v3 ? { model_type: 'qwen3_5', deepstack_visual_indexes: [] } : {}),
  };
  const layerKinds: ('attention' | 'linear')[] =
    family === 'qwen3_5_hybrid' ? ['linear', 'attention'] : ['attention', 'attention'];
  const arch = {
    qwen2_vl: 'Qwen2VLForConditionalGeneration',
    qwen2_5_vl: 'Qwen2_5_VLForConditionalGeneration',
    qwen3_5: 'Qwen3_5ForConditionalGeneration',
    qwen3_5_hybrid: 'Qwen3_5ForConditionalGeneration',
  }[family];
  const pixels = v3
    ? { size: { longest_edge: QWEN3_5_PIXELS, shortest_edge: QWEN3_5_PIXELS } }
    : {
        min_pixels: 56 * 56,
        max_pixels: QWEN2_MAX_PIXELS,
        size: { shortest_edge: 56 * 56, longest_edge: QWEN2_MAX_PIXELS },
      };
  return {
    modelType: v3 ? 'qwen3_5' : family,
    tokenizer: tok,
    imageToken: '<|image_pad|>',
    eos: ['<|im_end|>', '<|endoftext|>'],
    template: v3 ? QWEN3_5_TEMPLATE : QWEN2_VL_TEMPLATE,
    // Qwen2-VL's tokenizer_config.json holds it; the Qwen3.5 export has it there and in chat_template.jinja.
    templateIn: v3 ? ['tokenizer_config.json', 'chat_template.jinja'] : ['tokenizer_config.json'],
    vision: {
      shape: 'qwen',
      gridInput: family === 'qwen2_vl' ? 'grid_thw' : 'image_grid_thw',
      patchValues: 3 * 2 * patch * patch,
      mergeArea: 4,
    },
    decoder: { positions: 'mrope', logitsToKeep: false },
    layerKinds,
    config(t, text) {
      if (v3) {
        return {
          architectures: [arch],
          model_type: 'qwen3_5',
          ...ids(t),
          text_config: {
            ...text,
            model_type: 'qwen3_5_text',
            eos_token_id: t.id('<|endoftext|>'),
            layer_types: layerKinds.map((k) => (k === 'linear' ? 'linear_attention' : 'full_attention')),
            full_attention_interval: family === 'qwen3_5_hybrid' ? 2 : 1,
            linear_conv_kernel_dim: 4,
            linear_key_head_dim: 4,
            linear_value_head_dim: 4,
            linear_num_key_heads: 1,
            linear_num_value_heads: 1,
            attn_output_gate: false,
            max_position_embeddings: 262144,
            rope_parameters: {
              mrope_interleaved: true,
              mrope_section: [2, 3, 3],
              rope_theta: 10000000,
              rope_type: 'default',
            },
            tie_word_embeddings: false,
          },
          tie_word_embeddings: false,
          vision_config: visionConfig,
        };
      }
      return {
        architectures: [arch],
        model_type: family,
        ...text,
        bos_token_id: t.id('<|endoftext|>'),
        eos_token_id: t.id('<|im_end|>'),
        ...ids(t),
        vision_token_id: t.id('<|vision_pad|>'),
        max_position_embeddings: 32768,
        rope_theta: 1000000,
        rope_scaling: { type: 'mrope', mrope_section: [2, 3, 3] },
        tie_word_embeddings: false,
        text_config: { ...text, model_type: family === 'qwen2_vl' ? 'qwen2_vl_text' : 'qwen2_5_vl_text' },
        vision_config: visionConfig,
      };
    },
    generation: (t) =>
      v3
        ? {
            bos_token_id: t.id('<|endoftext|>'),
            do_sample: true,
            eos_token_id: [t.id('<|im_end|>'), t.id('<|endoftext|>')],
            pad_token_id: t.id('<|endoftext|>'),
            temperature: 0.6,
            top_k: 20,
            top_p: 0.95,
          }
        : {
            bos_token_id: t.id('<|endoftext|>'),
            pad_token_id: t.id('<|endoftext|>'),
            do_sample: true,
            eos_token_id: [t.id('<|im_end|>'), t.id('<|endoftext|>')],
            repetition_penalty: 1.05,
            temperature: 0.1,
            top_k: 1,
            top_p: 0.001,
          },
    preprocessor: {
      do_convert_rgb: true,
      do_resize: true,
      do_rescale: true,
      do_normalize: true,
      resample: 3,
      rescale_factor: 1 / 255,
      ...pixels,
      patch_size: patch,
      temporal_patch_size: 2,
      merge_size: 2,
      image_mean: v3 ? [0.5, 0.5, 0.5] : CLIP_MEAN,
      image_std: v3 ? [0.5, 0.5, 0.5] : CLIP_STD,
      image_processor_type: v3 ? 'Qwen2VLImageProcessorFast' : 'Qwen2VLImageProcessor',
      processor_class: v3
        ? 'Qwen3VLProcessor'
        : family === 'qwen2_vl'
          ? 'Qwen2VLProcessor'
          : 'Qwen2_5_VLProcessor',
    },
    processor: null,
    tokenizerConfig: {
      add_prefix_space: false,
      bos_token: null,
      clean_up_tokenization_spaces: false,
      eos_token: '<|im_end|>',
      errors: 'replace',
      model_max_length: 32768,
      pad_token: '<|endoftext|>',
      split_special_tokens: false,
      unk_token: null,
      tokenizer_class: v3 ? 'TokenizersBackend' : 'Qwen2Tokenizer',
      ...(v3
        ? {
            image_token: '<|image_pad|>',
            video_token: '<|video_pad|>',
            vision_bos_token: '<|vision_start|>',
            vision_eos_token: '<|vision_end|>',
          }
        : {}),
    },
  };
}

/** Tiles of at most 1024 px on the long side: 2 × 2 tiles + the global image for a square photo. */
const IDEFICS3_LONGEST_EDGE = 1024;
const rowColTokens = () => {
  const out: string[] = [];
  for (let r = 1; r <= 6; r++) for (let c = 1; c <= 6; c++) out.push(`<row_${r}_col_${c}>`);
  return out;
};

function idefics3Family(family: 'idefics3' | 'smolvlm'): FamilyDef {
  const tok = tinyTokenizer('gpt2', WORDS, {
    leading: special('<|endoftext|>', '<|im_start|>', '<|im_end|>'),
    trailing: [
      ...special('<global-img>', ...rowColTokens(), '<fake_token_around_image>', '<image>'),
      ...TAGS,
      ...special('<end_of_utterance>'),
    ],
  });
  const smol = family === 'smolvlm';
  return {
    modelType: family,
    tokenizer: tok,
    imageToken: '<image>',
    eos: ['<end_of_utterance>'],
    template: SMOLVLM_TEMPLATE,
    templateIn: ['tokenizer_config.json'],
    vision: { shape: 'idefics3', side: 512, cells: 8 },
    decoder: { positions: 'plain', logitsToKeep: false },
    layerKinds: ['attention', 'attention'],
    config: (t, text) => ({
      architectures: [smol ? 'SmolVLMForConditionalGeneration' : 'Idefics3ForConditionalGeneration'],
      model_type: family,
      image_token_id: t.id('<image>'),
      scale_factor: 4,
      pad_token_id: t.id('<|im_end|>'),
      vocab_size: text.vocab_size,
      tie_word_embeddings: false,
      text_config: {
        ...text,
        model_type: 'llama',
        bos_token_id: t.id('<|im_start|>'),
        eos_token_id: t.id('<end_of_utterance>'),
        pad_token_id: t.id('<|im_end|>'),
        max_position_embeddings: 8192,
        rope_theta: 100000,
        rms_norm_eps: 1e-5,
      },
      vision_config: {
        model_type: smol ? 'smolvlm_vision' : 'idefics3_vision',
        image_size: 512,
        patch_size: 16,
        hidden_size: 16,
        intermediate_size: 32,
        num_hidden_layers: 1,
        num_attention_heads: 1,
      },
    }),
    generation: (t) => ({
      bos_token_id: t.id('<|im_start|>'),
      eos_token_id: t.id('<end_of_utterance>'),
      pad_token_id: t.id('<|im_end|>'),
    }),
    preprocessor: {
      do_convert_rgb: true,
      do_image_splitting: true,
      do_normalize: true,
      do_pad: true,
      do_rescale: true,
      do_resize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
      image_processor_type: smol ? 'SmolVLMImageProcessor' : 'Idefics3ImageProcessor',
      processor_class: smol ? 'SmolVLMProcessor' : 'Idefics3Processor',
      max_image_size: { longest_edge: 512 },
      resample: 1,
      rescale_factor: 1 / 255,
      size: { longest_edge: IDEFICS3_LONGEST_EDGE },
    },
    processor: { image_seq_len: 64, processor_class: smol ? 'SmolVLMProcessor' : 'Idefics3Processor' },
    tokenizerConfig: {
      add_prefix_space: false,
      bos_token: '<|im_start|>',
      clean_up_tokenization_spaces: false,
      eos_token: '<end_of_utterance>',
      pad_token: '<|im_end|>',
      unk_token: '<|endoftext|>',
      model_max_length: 8192,
      tokenizer_class: 'GPT2Tokenizer',
      additional_special_tokens: ['<fake_token_around_image>', '<image>', '<end_of_utterance>'],
    },
  };
}

function gemma3Family(): FamilyDef {
  const tok = tinyTokenizer('sentencepiece', WORDS, {
    leading: special(
      '<pad>',
      '<eos>',
      '<bos>',
      '<unk>',
      '<mask>',
      '<start_of_turn>',
      '<end_of_turn>',
      '<start_of_image>',
      '<end_of_image>',
      '<image_soft_token>',
    ),
    trailing: TAGS,
  });
  return {
    modelType: 'gemma3',
    tokenizer: tok,
    imageToken: '<image_soft_token>',
    eos: ['<end_of_turn>', '<eos>'],
    template: GEMMA3_TEMPLATE,
    templateIn: ['chat_template.jinja'],
    vision: { shape: 'gemma3', side: 896, cells: 16 },
    decoder: { positions: 'none', logitsToKeep: true },
    layerKinds: ['attention', 'attention'],
    config: (t, text) => ({
      architectures: ['Gemma3ForConditionalGeneration'],
      model_type: 'gemma3',
      boi_token_index: t.id('<start_of_image>'),
      eoi_token_index: t.id('<end_of_image>'),
      image_token_index: t.id('<image_soft_token>'),
      mm_tokens_per_image: 256,
      eos_token_id: [t.id('<eos>'), t.id('<end_of_turn>')],
      text_config: {
        ...text,
        model_type: 'gemma3_text',
        query_pre_attn_scalar: SHAPE.headDim,
        sliding_window: 1024,
        sliding_window_pattern: 6,
        rope_theta: 1000000,
        rope_local_base_freq: 10000,
        max_position_embeddings: 131072,
      },
      vision_config: {
        model_type: 'siglip_vision_model',
        image_size: 896,
        patch_size: 14,
        hidden_size: 16,
        intermediate_size: 32,
        num_hidden_layers: 1,
        num_attention_heads: 1,
        vision_use_head: false,
      },
    }),
    generation: (t) => ({
      bos_token_id: t.id('<bos>'),
      cache_implementation: 'hybrid',
      do_sample: true,
      eos_token_id: [t.id('<end_of_turn>'), t.id('<eos>')],
      pad_token_id: t.id('<pad>'),
      top_k: 64,
      top_p: 0.95,
    }),
    preprocessor: {
      do_convert_rgb: null,
      do_normalize: true,
      do_pan_and_scan: null,
      do_rescale: true,
      do_resize: true,
      image_mean: [0.5, 0.5, 0.5],
      image_std: [0.5, 0.5, 0.5],
      image_processor_type: 'Gemma3ImageProcessor',
      image_seq_length: 256,
      processor_class: 'Gemma3Processor',
      resample: 2,
      rescale_factor: 1 / 255,
      size: { height: 896, width: 896 },
    },
    processor: { image_seq_length: 256, processor_class: 'Gemma3Processor' },
    tokenizerConfig: {
      add_bos_token: true,
      add_eos_token: false,
      boi_token: '<start_of_image>',
      bos_token: '<bos>',
      clean_up_tokenization_spaces: false,
      eoi_token: '<end_of_image>',
      eos_token: '<end_of_turn>',
      image_token: '<image_soft_token>',
      model_max_length: 32768,
      pad_token: '<pad>',
      padding_side: 'left',
      processor_class: 'Gemma3Processor',
      spaces_between_special_tokens: false,
      tokenizer_class: 'GemmaTokenizer',
      unk_token: '<unk>',
      use_default_system_prompt: false,
    },
  };
}

export function familyDef(family: TinyFamily): FamilyDef {
  switch (family) {
    case 'idefics3':
    case 'smolvlm':
      return idefics3Family(family);
    case 'gemma3':
      return gemma3Family();
    default:
      return qwenFamily(family);
  }
}

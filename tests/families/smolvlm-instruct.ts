/**
 * HuggingFaceTB/SmolVLM-Instruct (2.2B) as its repo configures it, the
 * fields an adapter reads, written out from the repo's published
 * config.json, preprocessor_config.json and processor_config.json: tiles of
 * 384 px (SigLIP's image_size), patches of 14, scale_factor 3, so
 * ⌊384 / 14⌋² / 3² = 81 tokens a tile (a 9 × 9 grid), image_seq_len 81, the
 * image resized to a longest edge of 1536 (4 × 4 tiles at most). 384 / 14 is
 * not whole: (384 / 14)² / 3² is 83.6, which is why the count must come from
 * the processor (or integer division), never from real division.
 */
export const SMOLVLM_INSTRUCT_CONFIG = {
  architectures: ['Idefics3ForConditionalGeneration'],
  model_type: 'idefics3',
  image_token_id: 49153,
  scale_factor: 3,
  tie_word_embeddings: false,
  vocab_size: 49155,
  text_config: {
    model_type: 'llama',
    hidden_size: 2048,
    intermediate_size: 8192,
    num_hidden_layers: 24,
    num_attention_heads: 32,
    num_key_value_heads: 32,
    max_position_embeddings: 16384,
    rms_norm_eps: 1e-5,
    rope_theta: 273768.0,
    vocab_size: 49155,
  },
  vision_config: {
    model_type: 'idefics3',
    hidden_size: 1152,
    intermediate_size: 4304,
    num_hidden_layers: 27,
    num_attention_heads: 16,
    patch_size: 14,
    image_size: 384,
  },
};

export const SMOLVLM_INSTRUCT_PREPROCESSOR = {
  do_convert_rgb: true,
  do_image_splitting: true,
  do_normalize: true,
  do_pad: true,
  do_rescale: true,
  do_resize: true,
  image_mean: [0.5, 0.5, 0.5],
  image_processor_type: 'Idefics3ImageProcessor',
  image_std: [0.5, 0.5, 0.5],
  max_image_size: { longest_edge: 384 },
  processor_class: 'Idefics3Processor',
  resample: 1,
  rescale_factor: 0.00392156862745098,
  size: { longest_edge: 1536 },
};

export const SMOLVLM_INSTRUCT_PROCESSOR = { image_seq_len: 81, processor_class: 'Idefics3Processor' };

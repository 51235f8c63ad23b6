import { describe, expect, it } from 'vitest';
import { checkEmbedGraph, decoderIoFromGraph, presentNameFor, type GraphValue } from './decoder-io';

const F = 1;
const H = 10;
const I64 = 7;
const v = (name: string, elemType: number, dims: GraphValue['dims']): GraphValue => ({
  name,
  elemType,
  dims,
});

describe('decoderIoFromGraph', () => {
  it('reads a hybrid decoder: M-RoPE ids, a growing KV cache and fixed linear-attention states', () => {
    const io = decoderIoFromGraph(
      {
        inputs: [
          v('inputs_embeds', F, ['batch_size', 'sequence_length', 64]),
          v('attention_mask', I64, ['batch_size', 'total_sequence_length']),
          v('position_ids', I64, [3, 'batch_size', 'sequence_length']),
          v('past_conv.0', F, ['batch_size', 96, 4]),
          v('past_recurrent.0', F, ['batch_size', 2, 8, 8]),
          v('past_key_values.1.key', H, ['batch_size', 2, 'past_sequence_length', 16]),
          v('past_key_values.1.value', H, ['batch_size', 2, 'past_sequence_length', 16]),
        ],
        outputs: [
          v('logits', H, ['batch_size', 'sequence_length', 100]),
          v('present_conv.0', F, ['batch_size', 96, 4]),
          v('present_recurrent.0', F, ['batch_size', 2, 8, 8]),
          v('present.1.key', H, ['batch_size', 2, 'total_sequence_length', 16]),
          v('present.1.value', H, ['batch_size', 2, 'total_sequence_length', 16]),
          v('decoder_attentions.1', F, ['batch_size', 'total_sequence_length']),
        ],
      },
      [1],
      2,
    );
    expect(io.positionIds).toEqual({ name: 'position_ids', rank: 3 });
    expect(io.logitsToKeep).toBeNull();
    expect(io.logitsType).toBe('float16');
    expect(io.hiddenSize).toBe(64);
    expect(io.states).toEqual([
      { input: 'past_conv.0', output: 'present_conv.0', type: 'float32', dims: [1, 96, 4], growAxis: null },
      {
        input: 'past_recurrent.0',
        output: 'present_recurrent.0',
        type: 'float32',
        dims: [1, 2, 8, 8],
        growAxis: null,
      },
      {
        input: 'past_key_values.1.key',
        output: 'present.1.key',
        type: 'float16',
        dims: [1, 2, 0, 16],
        growAxis: 2,
      },
      {
        input: 'past_key_values.1.value',
        output: 'present.1.value',
        type: 'float16',
        dims: [1, 2, 0, 16],
        growAxis: 2,
      },
    ]);
    expect(io.attentionOutputs).toEqual(['decoder_attentions.1']);
  });

  it('knows Gemma 3 has no position ids but num_logits_to_keep', () => {
    const io = decoderIoFromGraph(
      {
        inputs: [
          v('inputs_embeds', F, ['b', 's', 8]),
          v('attention_mask', I64, ['b', 't']),
          v('num_logits_to_keep', I64, []),
        ],
        outputs: [v('logits', F, ['b', 'k', 5])],
      },
      [],
      0,
    );
    expect(io.positionIds).toBeNull();
    expect(io.logitsToKeep).toBe('num_logits_to_keep');
  });

  it("feeds an Optimum merged decoder's use_cache_branch, and refuses one that is not a bool", () => {
    const base = [v('inputs_embeds', F, ['b', 's', 8]), v('attention_mask', I64, ['b', 't'])];
    const logits = v('logits', F, ['b', 's', 5]);
    const io = decoderIoFromGraph(
      { inputs: [...base, v('use_cache_branch', 9, [1])], outputs: [logits] },
      [],
      0,
    );
    expect(io.useCacheBranch).toBe('use_cache_branch');
    expect(decoderIoFromGraph({ inputs: base, outputs: [logits] }, [], 0).useCacheBranch).toBeNull();
    expect(() =>
      decoderIoFromGraph({ inputs: [...base, v('use_cache_branch', I64, [1])], outputs: [logits] }, [], 0),
    ).toThrow(/use_cache_branch has element type 7 and dims 1; expected one bool/);
    expect(() =>
      decoderIoFromGraph({ inputs: [...base, v('use_cache_branch', 9, [2])], outputs: [logits] }, [], 0),
    ).toThrow(/use_cache_branch .* expected one bool/);
  });

  it('takes float32 or float16 embeddings at both ends, and refuses any other type in one line', () => {
    const mask = v('attention_mask', I64, ['b', 't']);
    const logits = v('logits', F, ['b', 's', 5]);
    const io = (type: number) =>
      decoderIoFromGraph(
        { inputs: [v('inputs_embeds', type, ['b', 's', 8]), mask], outputs: [logits] },
        [],
        0,
      );
    expect(io(F).embedsType).toBe('float32');
    expect(io(10).embedsType).toBe('float16');
    expect(() => io(11)).toThrow(
      /^decoder_model_merged\.onnx: input inputs_embeds is double; only float32 and float16 embeddings are supported$/,
    );
    const embed = (type: number) =>
      checkEmbedGraph({ outputs: [v('inputs_embeds', type, ['b', 's', 8])] }, 'onnx/embed_tokens_fp16.onnx');
    expect(embed(10)).toBe('float16');
    expect(embed(F)).toBe('float32');
    expect(() => embed(16)).toThrow(
      /^onnx\/embed_tokens_fp16\.onnx: output inputs_embeds is bfloat16; only float32 and float16/,
    );
    expect(() => checkEmbedGraph({ outputs: [v('hidden', F, [1])] }, 'e.onnx')).toThrow(
      /no inputs_embeds output/,
    );
  });

  it('refuses inputs it cannot feed, unpaired states and a missing patch, naming them', () => {
    const base = [v('inputs_embeds', F, ['b', 's', 8]), v('attention_mask', I64, ['b', 't'])];
    const logits = v('logits', F, ['b', 's', 5]);
    expect(() =>
      decoderIoFromGraph({ inputs: [...base, v('pixel_values', F, [1])], outputs: [logits] }, [], 0),
    ).toThrow(/input pixel_values is not one the engine knows how to feed/);
    expect(() =>
      decoderIoFromGraph({ inputs: [...base, v('past_conv.0', F, ['b', 4])], outputs: [logits] }, [], 0),
    ).toThrow(/past_conv.0 has no matching output present_conv.0/);
    expect(() => decoderIoFromGraph({ inputs: base, outputs: [logits] }, [3], 4)).toThrow(
      /no attention output decoder_attentions.3/,
    );
    expect(() => decoderIoFromGraph({ inputs: [base[1]], outputs: [logits] }, [], 0)).toThrow(
      /no inputs_embeds/,
    );
  });

  it('maps past names to present names as the onnx-community exports do', () => {
    expect(presentNameFor('past_key_values.3.key')).toBe('present.3.key');
    expect(presentNameFor('past_conv.3')).toBe('present_conv.3');
    expect(presentNameFor('past_recurrent.12')).toBe('present_recurrent.12');
  });
});

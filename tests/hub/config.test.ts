import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KNOWN_FAMILIES } from '../../src/workers/adapters/hf-families';
import { parseRepoConfig, type RepoFiles } from '../../src/workers/hub/config';

const QWEN = join(__dirname, '../../../shared/specimens/onnx-community/qwen3.5-0.8b');
const haveQwen = existsSync(QWEN);
if (!haveQwen) console.warn(`skipping the Qwen3.5 specimen tests: ${QWEN} is absent`);

const json = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const base = (extra: RepoFiles = {}): RepoFiles => ({
  'config.json': json({ model_type: 'smolvlm' }),
  ...extra,
});

describe('parseRepoConfig on the Qwen3.5 specimen', () => {
  it.skipIf(!haveQwen)(
    'merges the image processor, reads stop ids, template and transformers.js_config',
    () => {
      const files: RepoFiles = {};
      for (const f of [
        'config.json',
        'generation_config.json',
        'preprocessor_config.json',
        'processor_config.json',
        'tokenizer_config.json',
        'chat_template.jinja',
      ] as const)
        files[f] = new Uint8Array(readFileSync(join(QWEN, f)));
      const c = parseRepoConfig(files);
      expect(c.family).toBe('qwen3_5');
      expect(c.textConfig.num_hidden_layers).toBe(24);
      expect(c.visionConfig?.patch_size).toBe(16);
      // preprocessor_config.json lacks these; processor_config.json's image_processor has them.
      expect(c.preprocessor?.do_normalize).toBe(true);
      expect(c.preprocessor?.resample).toBe(3);
      expect(c.preprocessor?.rescale_factor).toBeCloseTo(1 / 255, 12);
      // …and its own keys stay (both files agree here).
      expect(c.preprocessor?.image_processor_type).toBe('Qwen2VLImageProcessorFast');
      expect(c.processor).toEqual({ processor_class: 'Qwen3VLProcessor' });
      expect(c.generation.eosTokenIds).toEqual([248046, 248044]);
      expect(c.generation.from).toBe('generation_config.json');
      expect(c.generation.topK).toBe(20);
      expect(c.chatTemplateFrom).toBe('chat_template.jinja');
      expect(c.chatTemplate).toBe(readFileSync(join(QWEN, 'chat_template.jinja'), 'utf8'));
      expect(c.transformersJs.useExternalDataFormat).toMatchObject({ 'decoder_model_merged.onnx': 2 });
      expect(c.transformersJs.kvCacheDtype).toEqual({ q4f16: 'float16', fp16: 'float16' });
    },
  );
});

describe('parseRepoConfig', () => {
  it("keeps preprocessor_config.json's own values over processor_config.json's", () => {
    const c = parseRepoConfig(
      base({
        'preprocessor_config.json': json({ do_resize: false, size: { longest_edge: 512 } }),
        'processor_config.json': json({
          image_processor: { do_resize: true, do_normalize: true, size: { longest_edge: 2048 } },
          image_seq_len: 64,
          processor_class: 'Idefics3Processor',
        }),
      }),
    );
    expect(c.preprocessor).toEqual({ do_resize: false, do_normalize: true, size: { longest_edge: 512 } });
    expect(c.processor).toEqual({ image_seq_len: 64, processor_class: 'Idefics3Processor' });
  });

  it("uses processor_config.json's image processor alone when there is no preprocessor_config.json", () => {
    const c = parseRepoConfig(base({ 'processor_config.json': json({ image_processor: { resample: 2 } }) }));
    expect(c.preprocessor).toEqual({ resample: 2 });
    expect(parseRepoConfig(base()).preprocessor).toBeNull();
  });

  it('takes the chat template from chat_template.jinja, then chat_template.json, then tokenizer_config.json', () => {
    const tc = json({ chat_template: 'from tokenizer_config' });
    const j = json({ chat_template: 'from json' });
    const all = parseRepoConfig(
      base({ 'chat_template.jinja': 'from jinja', 'chat_template.json': j, 'tokenizer_config.json': tc }),
    );
    expect([all.chatTemplate, all.chatTemplateFrom]).toEqual(['from jinja', 'chat_template.jinja']);
    const two = parseRepoConfig(base({ 'chat_template.json': j, 'tokenizer_config.json': tc }));
    expect([two.chatTemplate, two.chatTemplateFrom]).toEqual(['from json', 'chat_template.json']);
    const one = parseRepoConfig(base({ 'tokenizer_config.json': tc }));
    expect([one.chatTemplate, one.chatTemplateFrom]).toEqual([
      'from tokenizer_config',
      'tokenizer_config.json',
    ]);
    const list = parseRepoConfig(
      base({
        'tokenizer_config.json': json({
          chat_template: [
            { name: 'tool_use', template: 'tools' },
            { name: 'default', template: 'plain' },
          ],
        }),
      }),
    );
    expect(list.chatTemplate).toBe('plain');
    expect(parseRepoConfig(base()).chatTemplate).toBeNull();
  });

  it("falls back to config.json's eos_token_id (text_config's too) without generation_config.json", () => {
    const c = parseRepoConfig({
      'config.json': json({ model_type: 'gemma3', text_config: { eos_token_id: [1, 106] } }),
    });
    expect(c.generation).toMatchObject({ eosTokenIds: [1, 106], from: 'config.json' });
    const top = parseRepoConfig({ 'config.json': json({ model_type: 'idefics3', eos_token_id: 49279 }) });
    expect(top.generation.eosTokenIds).toEqual([49279]);
  });

  it('reads transformers.js_config: use_external_data_format, dtype, device_config', () => {
    const c = parseRepoConfig({
      'config.json': json({
        model_type: 'qwen2_vl',
        'transformers.js_config': {
          use_external_data_format: { 'decoder_model_merged_q4.onnx': 2, embed_tokens: true },
          dtype: { decoder_model_merged: 'q4', vision_encoder: 'q8', embed_tokens: 'auto' },
          device_config: { webgpu: { dtype: 'fp16', use_external_data_format: 3 } },
        },
      }),
    });
    expect(c.transformersJs.useExternalDataFormat).toEqual({
      'decoder_model_merged_q4.onnx': 2,
      embed_tokens: true,
    });
    // "q8" is transformers.js's name for _quantized; "auto" means "not said".
    expect(c.transformersJs.dtype).toEqual({ decoder_model_merged: 'q4', vision_encoder: 'quantized' });
    expect(c.transformersJs.deviceConfig).toEqual({ webgpu: { dtype: 'fp16', useExternalDataFormat: 3 } });
  });

  it('accepts a UTF-8 byte-order mark', () => {
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...json({ model_type: 'gemma3' })]);
    expect(parseRepoConfig({ 'config.json': bom }).family).toBe('gemma3');
  });

  const bad: [string, RepoFiles, RegExp][] = [
    ['no config.json', {}, /^config\.json: is missing/],
    ['config.json not JSON', { 'config.json': '{"model_type": ' }, /^config\.json: is not JSON/],
    ['config.json an array', { 'config.json': '[]' }, /^config\.json: is not a JSON object$/],
    [
      'config.json not UTF-8',
      { 'config.json': new Uint8Array([0x7b, 0xff, 0x7d]) },
      /^config\.json: is not UTF-8/,
    ],
    [
      'an unknown model_type',
      { 'config.json': json({ model_type: 'llava' }) },
      /^config\.json: model_type "llava" is not a supported family \(known: idefics3, smolvlm, qwen2_vl, qwen2_5_vl, qwen3_vl, qwen3_5, gemma3\)$/,
    ],
    [
      'model_type "constructor"',
      { 'config.json': json({ model_type: 'constructor' }) },
      /model_type "constructor" is not a supported/,
    ],
    [
      'model_type "__proto__"',
      { 'config.json': '{"model_type": "__proto__"}' },
      /model_type "__proto__" is not a supported/,
    ],
    ['no model_type', { 'config.json': json({}) }, /^config\.json: has no model_type/],
    [
      'a bad eos id',
      base({ 'generation_config.json': json({ eos_token_id: [2, -1] }) }),
      /^generation_config\.json: eos_token_id\[1\]/,
    ],
    [
      'a bad dtype',
      { 'config.json': json({ model_type: 'gemma3', 'transformers.js_config': { dtype: 'q3' } }) },
      /^config\.json: transformers\.js_config\.dtype: unknown dtype "q3"/,
    ],
    [
      'too many data files',
      {
        'config.json': json({
          model_type: 'gemma3',
          'transformers.js_config': { use_external_data_format: 1000 },
        }),
      },
      /^config\.json: transformers\.js_config\.use_external_data_format: expected/,
    ],
    [
      'a bad processor_config.json',
      base({ 'processor_config.json': 'nope' }),
      /^processor_config\.json: is not JSON/,
    ],
    [
      'a bad preprocessor_config.json',
      base({ 'preprocessor_config.json': '1' }),
      /^preprocessor_config\.json: is not a JSON object/,
    ],
    [
      'a bad tokenizer_config.json',
      base({ 'tokenizer_config.json': '{' }),
      /^tokenizer_config\.json: is not JSON/,
    ],
    [
      'a template of the wrong type',
      base({ 'tokenizer_config.json': json({ chat_template: 7 }) }),
      /^tokenizer_config\.json: chat_template/,
    ],
    [
      'an empty chat_template.jinja',
      base({ 'chat_template.jinja': '  \n' }),
      /^chat_template\.jinja: is empty/,
    ],
    [
      'chat_template.json without the key',
      base({ 'chat_template.json': json({}) }),
      /^chat_template\.json: chat_template/,
    ],
    [
      'tokenizer.json that is no tokenizer',
      base({ 'tokenizer.json': json({ vocab: {} }) }),
      /^tokenizer\.json: has no "model" section/,
    ],
  ];
  it.each(bad)('refuses %s with one line naming the file', (_, files, message) => {
    let thrown: Error | undefined;
    try {
      parseRepoConfig(files);
    } catch (e) {
      thrown = e as Error;
    }
    expect(thrown?.name).toBe('HubError');
    expect(thrown?.message).toMatch(message);
    expect(thrown?.message).not.toMatch(/\n/);
  });

  it('knows the families the adapters cover', () => {
    expect([...KNOWN_FAMILIES]).toEqual([
      'idefics3',
      'smolvlm',
      'qwen2_vl',
      'qwen2_5_vl',
      'qwen3_vl',
      'qwen3_5',
      'gemma3',
    ]);
  });
});

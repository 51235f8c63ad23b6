import { spawnSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectModelCommand } from '../../src/cli/inspect-model-command';
import { graphWithExternalData } from './repo-fixture';

const SPECIMENS = join(__dirname, '../../../shared/specimens/onnx-community');
const QWEN = join(SPECIMENS, 'qwen3.5-0.8b');
const GEMMA = join(SPECIMENS, 'gemma-3-4b');
const have = existsSync(QWEN) && existsSync(GEMMA);
if (!have) console.warn(`skipping the inspect-model specimen tests: ${SPECIMENS} is absent`);

/** Runs the CLI as users do: `npm run --silent real -- …`. */
function real(...args: string[]) {
  const r = spawnSync('npm', ['run', '--silent', 'real', '--', ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr.replace(/^npm warn.*\n/gm, '') };
}

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
/** A writable copy of a specimen (the specimens are read-only; they are never copied into the repo). */
function copy(from: string): string {
  const d = mkdtempSync(join(tmpdir(), 'hub-inspect-'));
  dirs.push(d);
  cpSync(from, d, { recursive: true });
  return d;
}

async function refusal(dir: string, dtype?: string): Promise<string> {
  try {
    await inspectModelCommand(dir, dtype);
  } catch (e) {
    expect((e as Error).message).not.toMatch(/\n/);
    return (e as Error).message;
  }
  throw new Error('expected a refusal');
}

const QWEN_DECODER = 'onnx/decoder_model_merged_quantized.onnx';
const QWEN_DECODER_DATA = 755_646_464;
const PIECE = 52_428_800; // 50 MiB, as the source repo serves them

/** The 15 decoder pieces of the Qwen3.5 layout as sparse files (sizes only, no disk used). */
function decoderPieces(dir: string, lastBytes = QWEN_DECODER_DATA - 14 * PIECE) {
  for (let i = 0; i < 15; i++) {
    const p = join(dir, `onnx/decoder_model_merged_quantized.onnx_data.${String(i).padStart(2, '0')}.chunk`);
    writeFileSync(p, '');
    truncateSync(p, i < 14 ? PIECE : lastBytes);
  }
}

describe.skipIf(!have)('real inspect-model on the specimens', () => {
  it('finds layers 3, 7, 11, 15, 19, 23 of Qwen3.5 from the graphs alone (weights absent)', () => {
    const r = real('inspect-model', QWEN);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.family).toBe('qwen3_5');
    expect(out.dtypes).toEqual({ vision: 'quantized', embed: 'quantized', decoder: 'quantized' });
    expect(out.attention).toEqual({
      layers: [3, 7, 11, 15, 19, 23],
      kind: 'gqa',
      patchable: true,
      alreadyPatched: false,
      numDecoderLayers: 24,
    });
    for (const f of out.files)
      if (f.bytes !== null) expect(f.bytes, f.path).toBe(statSync(join(QWEN, f.path)).size);
    expect(
      out.files.find((f: { path: string }) => f.path === 'onnx/decoder_model_merged_quantized.onnx_data'),
    ).toEqual({
      path: 'onnx/decoder_model_merged_quantized.onnx_data',
      bytes: null,
      pieces: 15,
    });
    expect(out.components.decoder.externalData[0].needed).toBe(QWEN_DECODER_DATA);
    expect(out.missing).toEqual([
      'tokenizer.json',
      'onnx/vision_encoder_quantized.onnx_data',
      'onnx/embed_tokens_quantized.onnx_data',
      'onnx/decoder_model_merged_quantized.onnx_data',
    ]);
    expect(out.complete).toBe(false);
    // The download it would be: every file, the absent weights at the sizes the graphs read.
    const small = out.files.reduce((n: number, f: { bytes: number | null }) => n + (f.bytes ?? 0), 0);
    expect(out.totalBytes).toBe(small + 100_971_520 + 254_279_680 + QWEN_DECODER_DATA);
  });

  it('exits 2 on the Gemma-3 specimen, which has no config.json', () => {
    const r = real('inspect-model', GEMMA);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'real: config.json: is missing: a Hugging Face model repo needs it (its model_type picks the family)\n',
    );
  });

  it.each(['fp32', 'fp16', 'q4', 'q4f16', 'quantized'])(
    'finds 34 attention layers in Gemma-3 %s once it has a config.json',
    async (dtype) => {
      const dir = copy(GEMMA);
      writeFileSync(
        join(dir, 'config.json'),
        JSON.stringify({ model_type: 'gemma3', text_config: { num_hidden_layers: 34 } }),
      );
      // WebGPU with a buffer limit above every tensor and no memory limit: any dtype fits.
      const out = JSON.parse(
        await inspectModelCommand(dir, dtype, { backend: 'webgpu', 'max-buffer': '16GiB' }),
      );
      expect(out.family).toBe('gemma3');
      expect(out.dtypes).toEqual({ vision: dtype, embed: dtype, decoder: dtype });
      expect(out.attention.layers).toEqual(Array.from({ length: 34 }, (_, i) => i));
      expect(out.attention.kind).toBe('gqa');
      expect(out.attention.numDecoderLayers).toBe(34);
      if (dtype === 'fp32')
        expect(out.components.decoder.externalData.map((d: { location: string }) => d.location)).toEqual([
          'decoder_model_merged.onnx_data',
          ...[1, 2, 3, 4, 5, 6, 7].map((i) => `decoder_model_merged.onnx_data_${i}`),
        ]);
    },
  );

  /** The Gemma-3 specimen with the config.json its source lacks (made here, in a temporary copy). */
  const gemma = () => {
    const dir = copy(GEMMA);
    writeFileSync(
      join(dir, 'config.json'),
      JSON.stringify({ model_type: 'gemma3', text_config: { num_hidden_layers: 34 } }),
    );
    return dir;
  };
  const GiB = 2 ** 30;

  it('plans Gemma-3-4B on WebGPU within a 2 GiB buffer limit: no fp32 embeddings or decoder', () => {
    const r = real('inspect-model', gemma(), '--backend', 'webgpu', '--max-buffer', String(2 * GiB));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const { plan, dtypes, components } = JSON.parse(r.stdout);
    expect(plan.fits).toBe(true);
    expect(plan.why).toBeUndefined();
    // fp32's embed_tokens and lm_head are single 2.69 GB tensors; fp16 halves them; the vision encoder stays fp32.
    expect(plan.dtypes).toEqual({ decoder: 'fp16', vision: 'fp32', embed: 'fp16' });
    expect(dtypes).toEqual({ vision: 'fp32', embed: 'fp16', decoder: 'fp16' });
    expect(components.embed.dtypeFrom).toBe('plan');
    expect(components.embed.movedBecause).toBe(
      'fp32 does not fit: its largest tensor, model.embed_tokens.weight, has 2.69 GB; the device allows 2 GiB per buffer (--max-buffer)',
    );
    expect(plan.largestTensor).toEqual({
      component: 'embed',
      name: 'model.embed_tokens.weight',
      bytes: 1_342_504_960,
    });
    expect(plan.largestTensor.bytes).toBeLessThanOrEqual(2 * GiB);
    expect(plan.largestBuffer.bytes).toBeLessThanOrEqual(2 * GiB);
    // Each component: its graph plus the external data its tensors read.
    expect(plan.bytes.vision).toBe(1_679_486_716);
    expect(plan.bytes.embed).toBe(1_342_505_598);
    expect(plan.bytes.decoder).toBe(7_895_980_468);
    // 34 layers × key and value × 4 KV heads × 256 × float16, per position.
    expect(plan.bytes.kvCache).toBe(34 * 2 * 4 * 256 * 2 * plan.positions);
    expect(plan.bytes.total).toBe(
      plan.bytes.vision + plan.bytes.embed + plan.bytes.decoder + 2 * plan.bytes.kvCache + plan.bytes.prefill,
    );
    expect(plan.imageTokens).toBe(256);
    expect(plan.maxImageTokens).toBe(512);
    const embed = plan.options.embed.map((o: { dtype: string; fits: boolean }) => [o.dtype, o.fits]);
    expect(embed).toEqual([
      ['fp32', false],
      ['fp16', true],
      ['quantized', true],
      ['q4', true],
      ['q4f16', true],
    ]);
    // With 8 GiB in all, the decoder goes down to 4-bit.
    const tight = real(
      'inspect-model',
      gemma(),
      '--backend',
      'webgpu',
      '--max-buffer',
      '2GiB',
      '--memory',
      '8GiB',
    );
    const p8 = JSON.parse(tight.stdout).plan;
    expect(p8.fits).toBe(true);
    expect(p8.bytes.total).toBeLessThanOrEqual(8 * GiB);
    expect(p8.dtypes).toEqual({ decoder: 'q4', vision: 'fp32', embed: 'fp16' });
  });

  it('exits 2 with one line on a forced fp32 embed_tokens past a 2 GiB buffer limit', () => {
    const r = real(
      'inspect-model',
      gemma(),
      '--backend',
      'webgpu',
      '--max-buffer',
      '2GiB',
      '--dtype',
      'embed=fp32',
    );
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'real: onnx/embed_tokens.onnx: embeddings fp32 (the dtype asked for) cannot run here: its largest tensor, model.embed_tokens.weight, has 2.69 GB; the device allows 2 GiB per buffer (--max-buffer); embeddings dtypes that would fit: fp16, quantized, q4, q4f16\n',
    );
    const flags = real('inspect-model', gemma(), '--backend', 'webgpu', '--max-buffer', 'lots');
    expect(flags.status).toBe(2);
    expect(flags.stderr).toMatch(/^real: --max-buffer lots: expected a number of bytes/);
  });

  it("plans Qwen3.5 on wasm's 4 GiB heap and caps its image tokens on WebGPU by the vision encoder's attention", async () => {
    const wasm = JSON.parse(await inspectModelCommand(QWEN, undefined)).plan;
    expect(wasm.fits).toBe(true);
    expect(wasm.dtypes).toEqual({ decoder: 'quantized', vision: 'quantized', embed: 'quantized' });
    expect(wasm.limits).toMatchObject({ memory: 4 * GiB, memoryFrom: "wasm's 32-bit heap" });
    // 420 × 420 at 16-px patches merged 2 × 2: a 13 × 13 grid.
    expect(wasm.imageTokens).toBe(169);
    // The state as the specimen's own description lists the decoder's past_* inputs (fp32): the fixed
    // conv and recurrent states of the 18 linear layers, and per position the keys and values of the 6 others.
    const spec = JSON.parse(readFileSync(join(QWEN, 'graphs.json'), 'utf8'));
    const past = spec.graphs
      .find((g: { file: string }) => g.file === QWEN_DECODER)
      .inputs.filter((i: { name: string }) => i.name.startsWith('past'));
    let fixed = 0;
    let perPosition = 0;
    for (const i of past as { dtype: string; shape: (number | string)[] }[]) {
      expect(i.dtype).toBe('FLOAT');
      const n = 4 * i.shape.reduce<number>((a, d) => a * (typeof d === 'number' ? d : 1), 1);
      if (i.shape.includes('past_sequence_length')) perPosition += n;
      else fixed += n;
    }
    expect(perPosition).toBe(6 * 2 * 2 * 256 * 4);
    expect(wasm.bytes.kvCache).toBe(fixed + perPosition * wasm.positions);
    const gpu = JSON.parse(
      await inspectModelCommand(QWEN, undefined, { backend: 'webgpu', 'max-buffer': String(2 * GiB) }),
    ).plan;
    // 12 heads × (4 n patches)² × 4 bytes ≤ 2 GiB.
    expect(gpu.maxImageTokens).toBe(Math.floor(Math.sqrt((2 * GiB) / (12 * 16 * 4))));
  });

  it('counts data pieces that are all there, and exits 2 on a short one', async () => {
    const dir = copy(QWEN);
    decoderPieces(dir);
    const out = JSON.parse(await inspectModelCommand(dir, undefined));
    expect(out.components.decoder.externalData[0]).toMatchObject({
      bytes: QWEN_DECODER_DATA,
      needed: QWEN_DECODER_DATA,
      pieces: 15,
    });
    expect(out.missing).not.toContain('onnx/decoder_model_merged_quantized.onnx_data');
    decoderPieces(dir, 1000);
    expect(await refusal(dir)).toBe(
      `onnx/decoder_model_merged_quantized.onnx_data: is truncated: its 15 pieces hold ${14 * PIECE + 1000} bytes, and ${QWEN_DECODER} reads ${QWEN_DECODER_DATA} from it (onnx/decoder_model_merged_quantized.onnx_data.14.chunk, 1000 bytes, looks short)`,
    );
    const r = real('inspect-model', dir);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^real: onnx\/decoder_model_merged_quantized\.onnx_data: is truncated/);
  });

  it('exits 2 naming a missing piece when the others are there', async () => {
    const dir = copy(QWEN);
    decoderPieces(dir);
    rmSync(join(dir, 'onnx/decoder_model_merged_quantized.onnx_data.07.chunk'));
    expect(await refusal(dir)).toMatch(
      /^onnx\/decoder_model_merged_quantized\.onnx_data\.07\.chunk: is not in the repo, though other pieces/,
    );
  });

  it('exits 2 naming a missing graph, an unknown model_type, an unknown dtype', async () => {
    const noGraph = copy(QWEN);
    rmSync(join(noGraph, QWEN_DECODER));
    expect(await refusal(noGraph)).toMatch(
      /^onnx\/decoder_model_merged\.onnx: is not in the repo in any dtype/,
    );
    expect(await refusal(copy(QWEN), 'q4')).toMatch(
      /^onnx\/vision_encoder_q4\.onnx: is not in the repo \(the dtype asked for is q4\); it has vision_encoder in: quantized$/,
    );
    expect(await refusal(QWEN, 'q3')).toMatch(/^--dtype "q3": unknown dtype/);
    const llava = copy(QWEN);
    const config = JSON.parse(readFileSync(join(llava, 'config.json'), 'utf8'));
    writeFileSync(join(llava, 'config.json'), JSON.stringify({ ...config, model_type: 'llava' }));
    expect(await refusal(llava)).toBe(
      'config.json: model_type "llava" is not a supported family (known: idefics3, smolvlm, qwen2_vl, qwen2_5_vl, qwen3_vl, qwen3_5, gemma3)',
    );
    const broken = copy(QWEN);
    writeFileSync(join(broken, 'generation_config.json'), '{"eos_token_id": [1,');
    expect(await refusal(broken)).toMatch(/^generation_config\.json: is not JSON/);
  });

  it("exits 2 with the patcher's line on a decoder it cannot patch", async () => {
    const dir = copy(QWEN);
    const tensors = [
      { name: 'w', location: 'decoder_model_merged_quantized.onnx_data', offset: 0, length: 64 },
    ];
    writeFileSync(
      join(dir, QWEN_DECODER),
      graphWithExternalData(tensors, [
        {
          op: 'Attention',
          domain: 'com.microsoft',
          name: '/model/layers.0/attn/Attention',
          inputs: ['x', 'w'],
          outputs: ['y'],
        },
      ]),
    );
    expect(await refusal(dir)).toBe(
      `${QWEN_DECODER}: cannot give attention rows: com.microsoft::Attention node "/model/layers.0/attn/Attention" (layer 0): this attention op is not supported`,
    );
    writeFileSync(
      join(dir, QWEN_DECODER),
      graphWithExternalData(tensors, [{ op: 'Identity', name: 'id', inputs: ['x'], outputs: ['y'] }]),
    );
    expect(await refusal(dir)).toMatch(
      new RegExp(`^${QWEN_DECODER}: cannot give attention rows: no attention found`),
    );
  });
});

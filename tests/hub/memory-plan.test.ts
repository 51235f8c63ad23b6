import { describe, expect, it } from 'vitest';
import type { Component, Device, Dtype } from '../../src/workers/hub/dtypes';
import { defaultDtypes } from '../../src/workers/hub/dtypes';
import type { GraphFacts } from '../../src/workers/hub/graph-facts';
import {
  imageTokensFit,
  maxImageTokens,
  planMemory,
  planText,
  runCost,
  MAX_PLANNED_IMAGE_TOKENS,
  PLAN_NEW_TOKENS,
  WASM_HEAP_BYTES,
  type MemoryPlanInput,
  type PlanOption,
} from '../../src/workers/hub/memory-plan';
import { DEFAULT_MAX_NEW_TOKENS } from '../../src/workers/engine/load-repo-model';

const GB = 1e9;
const MiB = 2 ** 20;

/** Facts of a graph with one big tensor and the rest in small ones. */
function facts(bytes: number, largest: number, decoder = false): GraphFacts {
  return {
    fileBytes: 1000,
    weightBytes: bytes - 1000,
    bytes,
    largest: { name: 'w', bytes: largest },
    external: [{ location: 'x.onnx_data', bytes: bytes - 1000 }],
    estimated: false,
    decoder: decoder
      ? {
          hidden: 1024,
          vocab: 32000,
          logitBytes: 4,
          lastLogitsOnly: true,
          heads: 8,
          widest: 4096,
          state: { bytesPerPosition: 24 * 2 * 2 * 128 * 4, fixedBytes: 0, inputs: 48 },
          layers: 24,
        }
      : null,
    encoder: { heads: 12, hidden: 768, widest: 3072 },
  };
}

/** A repo with every component in fp32 (4 bytes a weight), fp16, quantized and q4. */
const SIZES: Record<Dtype, number> = { fp32: 4, fp16: 2, quantized: 1, q4: 0.6 } as Record<Dtype, number>;
function input(device: Device, scale: Record<Component, number>, forced = {}): MemoryPlanInput {
  const options = {} as Record<Component, PlanOption[]>;
  for (const c of ['vision', 'embed', 'decoder'] as const)
    options[c] = defaultDtypes(c, device)
      .filter((d) => d in SIZES)
      .map((dtype) => ({
        dtype,
        path: `onnx/${c}_${dtype}.onnx`,
        facts: facts(
          scale[c] * SIZES[dtype],
          (scale[c] * SIZES[dtype]) / (c === 'embed' ? 1 : 10),
          c === 'decoder',
        ),
      }));
  return {
    device,
    geometry: { tokensPerFrame: null, patchesPerToken: 4, paperTokens: 169, heads: null, hidden: null },
    configHeads: null,
    options,
    forced,
  };
}

const GPU = (maxBuffer: number, memory?: number): Device => ({
  backend: 'webgpu',
  shaderF16: true,
  limits: { maxBufferSize: maxBuffer, maxStorageBufferBindingSize: maxBuffer, memory },
});

describe('the memory plan', () => {
  it("plans for the engine's token budget", () => {
    expect(PLAN_NEW_TOKENS).toBe(DEFAULT_MAX_NEW_TOKENS);
  });

  it('keeps the least lossy dtypes when everything fits', () => {
    const plan = planMemory(input(GPU(4 * GB), { vision: 0.1 * GB, embed: 0.1 * GB, decoder: 0.5 * GB }));
    expect(plan.fits).toBe(true);
    expect(plan.dtypes).toEqual({ vision: 'fp32', embed: 'fp32', decoder: 'fp32' });
    expect(plan.moved).toEqual({});
    expect(plan.bytes.total).toBe(
      plan.bytes.vision + plan.bytes.embed + plan.bytes.decoder + 2 * plan.bytes.kvCache + plan.bytes.prefill,
    );
    // KV cache: 24 layers × (key + value) × 2 heads × 128 × 4 bytes per position, for prompt + budget + 1.
    expect(plan.positions).toBe(256 + 169 + 600 + 1);
    expect(plan.bytes.kvCache).toBe(24 * 2 * 2 * 128 * 4 * plan.positions);
    expect(planText(plan)).toMatch(/^needs about [\d.]+ GB; this browser allows 4\.00 GB per buffer$/);
  });

  it('moves only the component whose tensor is too big for a buffer, as few steps as it must', () => {
    // The embeddings are one tensor: 2.4 GB in fp32, 1.2 GB in fp16, above a 1 GiB buffer; 600 MB quantized.
    const plan = planMemory(input(GPU(2 ** 30), { vision: 0.1 * GB, embed: 0.6 * GB, decoder: 0.5 * GB }));
    expect(plan.fits).toBe(true);
    expect(plan.dtypes).toEqual({ vision: 'fp32', embed: 'quantized', decoder: 'fp32' });
    expect(plan.moved.embed).toMatch(
      /^fp32 does not fit: its largest tensor, w, has 2\.40 GB; the device allows 1 GiB per buffer/,
    );
    expect(plan.largestTensor).toEqual({ component: 'embed', name: 'w', bytes: 0.6 * GB });
  });

  it('holds the total against the memory given, moving the biggest savings first', () => {
    const scale = { vision: 0.1 * GB, embed: 0.1 * GB, decoder: 1 * GB };
    const free = planMemory(input(GPU(8 * GB), scale));
    expect(free.dtypes.decoder).toBe('fp32');
    const tight = planMemory(input(GPU(8 * GB, 3 * GB), scale));
    expect(tight.fits).toBe(true);
    expect(tight.bytes.total).toBeLessThanOrEqual(3 * GB);
    expect(tight.dtypes).toEqual({ vision: 'fp32', embed: 'fp32', decoder: 'fp16' });
    expect(tight.limits).toMatchObject({ memory: 3 * GB, memoryFrom: 'the memory given' });
  });

  it("on wasm holds everything against the 4 GiB heap, from transformers.js's q8 default", () => {
    const wasm: Device = { backend: 'wasm' };
    const small = planMemory(input(wasm, { vision: 0.1 * GB, embed: 0.1 * GB, decoder: 0.5 * GB }));
    expect(small.dtypes).toEqual({ vision: 'quantized', embed: 'quantized', decoder: 'quantized' });
    expect(small.limits).toMatchObject({ memory: WASM_HEAP_BYTES, maxBuffer: null });
    const big = planMemory(input(wasm, { vision: 0.1 * GB, embed: 0.2 * GB, decoder: 4 * GB }));
    expect(big.dtypes.decoder).toBe('q4');
    expect(big.bytes.total).toBeLessThanOrEqual(WASM_HEAP_BYTES);
  });

  it('refuses, naming the component and the dtypes that would fit, when a forced dtype cannot', () => {
    const plan = planMemory(
      input(GPU(2 ** 30), { vision: 0.1 * GB, embed: 0.6 * GB, decoder: 0.5 * GB }, { embed: 'fp32' }),
    );
    expect(plan.fits).toBe(false);
    expect(plan.whyComponent).toBe('embed');
    expect(plan.why).toBe(
      'embeddings fp32 (the dtype asked for) cannot run here: its largest tensor, w, has 2.40 GB; the device allows 1 GiB per buffer (maxStorageBufferBindingSize); embeddings dtypes that would fit: quantized, q4',
    );
    expect(plan.why).not.toMatch(/\n/);
  });

  it('says why when even the smallest dtypes do not fit', () => {
    const plan = planMemory(
      input(GPU(8 * GB, 1.9 * GB), { vision: 0.5 * GB, embed: 0.5 * GB, decoder: 2 * GB }),
    );
    expect(plan.fits).toBe(false);
    expect(plan.dtypes).toEqual({ vision: 'q4', embed: 'q4', decoder: 'q4' });
    expect(plan.why).toMatch(
      /^even with vision encoder q4, embeddings q4, decoder q4: a run with 169 image tokens needs about [\d.]+ GB .*; the memory given allows 1.90 GB$/,
    );
    expect(plan.whyComponent).toBe('decoder');
    expect(maxImageTokens(plan)).toBe(0);
  });

  it('gives the largest image-token count that fits: one more does not', () => {
    const plan = planMemory(input(GPU(2 ** 31), { vision: 0.1 * GB, embed: 0.1 * GB, decoder: 0.5 * GB }));
    const n = maxImageTokens(plan);
    // The vision encoder's attention: 12 heads × (4 n)² × 4 bytes in one buffer of at most 2 GiB.
    expect(n).toBe(Math.floor(Math.sqrt(2 ** 31 / (12 * 16 * 4))));
    expect(imageTokensFit(plan, n)).toBe(true);
    expect(imageTokensFit(plan, n + 1)).toBe(false);
    expect(runCost(plan.model, n + 1).largestBuffer.what).toBe(
      `the vision encoder's attention over ${4 * (n + 1)} patches (12 heads)`,
    );
    // With a memory bound too, the total decides first.
    const tight = planMemory(
      input(GPU(2 ** 31, 2.5 * GB), { vision: 0.1 * GB, embed: 0.1 * GB, decoder: 0.5 * GB }),
    );
    const m = maxImageTokens(tight);
    expect(m).toBeLessThan(n);
    expect(runCost(tight.model, m).total).toBeLessThanOrEqual(2.5 * GB);
    expect(runCost(tight.model, m + 1).total).toBeGreaterThan(2.5 * GB);
  });

  it('counts frames separately for a tiled family, and says when nothing bounds the image', () => {
    const tiled = input(GPU(256 * MiB), { vision: 0.1 * GB, embed: 0.1 * GB, decoder: 0.5 * GB });
    tiled.geometry = {
      tokensPerFrame: 64,
      patchesPerToken: 16,
      paperTokens: 17 * 64,
      heads: null,
      hidden: null,
    };
    const plan = planMemory(tiled);
    // One frame: 12 heads × 1024² × 4 bytes = 50 MB; the batch of frames is one buffer.
    expect(runCost(plan.model, 64).largestBuffer.bytes).toBe(12 * 1024 ** 2 * 4);
    expect(maxImageTokens(plan)).toBe(5 * 64);
    const unbounded = planMemory(
      input({ backend: 'webgpu', shaderF16: true }, { vision: 1, embed: 1, decoder: 1 }),
    );
    expect(maxImageTokens(unbounded)).toBe(MAX_PLANNED_IMAGE_TOKENS);
  });
});

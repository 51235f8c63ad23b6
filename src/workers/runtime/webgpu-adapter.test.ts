import { describe, expect, it } from 'vitest';
import { adapterLabel, softwareAdapterName } from './webgpu-adapter';

describe('softwareAdapterName', () => {
  it('names the CPU emulations by their adapter info', () => {
    expect(softwareAdapterName({ info: { vendor: 'google', architecture: 'swiftshader' } })).toBe(
      'SwiftShader',
    );
    expect(softwareAdapterName({ info: { description: 'llvmpipe (LLVM 15.0.6, 256 bits)' } })).toBe(
      'llvmpipe',
    );
    expect(softwareAdapterName({ info: { description: 'Microsoft Basic Render Driver' } })).toBe(
      'Microsoft Basic Render Driver',
    );
  });
  it('takes isFallbackAdapter, on the adapter or its info', () => {
    expect(softwareAdapterName({ isFallbackAdapter: true, info: {} })).toBe('a fallback adapter');
    expect(softwareAdapterName({ info: { isFallbackAdapter: true } })).toBe('a fallback adapter');
  });
  it('leaves real GPUs alone', () => {
    expect(softwareAdapterName({ info: { vendor: 'nvidia', architecture: 'ampere' } })).toBeNull();
    expect(
      softwareAdapterName({ isFallbackAdapter: false, info: { vendor: 'apple', architecture: 'metal-3' } }),
    ).toBeNull();
    expect(softwareAdapterName({})).toBeNull();
    expect(adapterLabel({})).toBe('unnamed adapter');
    expect(adapterLabel({ info: { vendor: 'google', architecture: 'swiftshader' } })).toBe(
      'google swiftshader',
    );
  });
});

import { describe, expect, it } from 'vitest';
import { blobFromParts } from './blob-parts';

describe('blobFromParts', () => {
  it('joins string and byte parts in order, across groups', async () => {
    const big = 'x'.repeat(5 * 1024 * 1024);
    const parts = ['{"a":', new TextEncoder().encode('[1,2]'), ',"b":"', big, big, '"}'];
    let groups = 0;
    const blob = await blobFromParts(parts, 'application/json', () => groups++);
    expect(groups).toBe(1); // 8 MiB reached once
    expect(blob.type).toBe('application/json');
    expect(await blob.text()).toBe(`{"a":[1,2],"b":"${big}${big}"}`);
  });
});

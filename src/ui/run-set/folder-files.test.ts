import { describe, expect, it } from 'vitest';
import { categoryFromPath } from '../../workers/run-set/read-trace-blob';
import { resolveRowPath } from '../../workers/run-set/summary-file';
import { filesFromInput } from './folder-files';

const file = (rel: string) =>
  Object.assign(new Blob(['x']), { name: rel.split('/').pop()!, webkitRelativePath: rel }) as unknown as File;

describe('a folder’s files', () => {
  it('are its traces, summaries and reports, with paths relative to the folder', () => {
    const f = filesFromInput([
      file('out/bottle/test/broken/000.json'),
      file('out/bottle/test/broken/000.png'),
      file('out/summary.jsonl'),
      file('out/wood/test/good/001.rtrace'),
    ]);
    expect(f.name).toBe('out');
    expect(f.files.map((x) => x.path)).toEqual([
      'bottle/test/broken/000.json',
      'summary.jsonl',
      'wood/test/good/001.rtrace',
    ]);
  });

  it('give category and defect in MVTec AD’s layout, nulls otherwise', () => {
    expect(categoryFromPath('bottle/test/broken_large/000.json')).toEqual({
      category: 'bottle',
      defect: 'broken_large',
    });
    expect(categoryFromPath('runs/mvtec/wood/test/good/1.rtrace')).toEqual({
      category: 'wood',
      defect: 'good',
    });
    expect(categoryFromPath('001_brick.json')).toEqual({ category: null, defect: null });
    expect(categoryFromPath('test/x.json')).toEqual({ category: null, defect: null });
  });

  it('resolve a summary row’s trace against the summary’s folder, never above it', () => {
    expect(resolveRowPath('summary.jsonl', 'a/b.json')).toBe('a/b.json');
    expect(resolveRowPath('out/summary.jsonl', './a/../b.json')).toBe('out/b.json');
    expect(resolveRowPath('out/summary.jsonl', '../b.json')).toBeNull();
  });
});

import type { RunSetFile } from '../../workers/run-set-api';

/**
 * The files of a folder the user gives, as paths relative to it: from
 * `<input webkitdirectory>`, from the File System Access API's directory
 * picker where the browser has it, or from a folder (or files) dropped on
 * the page. Only what a run set can hold is kept (traces, summaries, a
 * report); walking the folder awaits between entries, so a folder of
 * thousands of files never blocks the page.
 */

export interface FolderFiles {
  /** The folder's name (or "dropped files"). */
  name: string;
  files: RunSetFile[];
}

/** More files than this is not a run set this app opens in one go (said, not tried). */
export const MAX_SET_FILES = 100_000;

const wanted = (path: string) => /\.(json|rtrace|jsonl)$/i.test(path);

export class FolderError extends Error {
  override name = 'FolderError';
}

function push(out: RunSetFile[], path: string, file: File): void {
  if (!wanted(path)) return;
  if (out.length >= MAX_SET_FILES)
    throw new FolderError(
      `more than ${MAX_SET_FILES.toLocaleString('en')} trace files: open a part of the folder`,
    );
  out.push({ path, file });
}

/** `<input webkitdirectory>`: each file's webkitRelativePath starts with the folder's own name. */
export function filesFromInput(list: FileList | readonly File[]): FolderFiles {
  const all = Array.from(list);
  const first = all[0]?.webkitRelativePath ?? '';
  const name = first.includes('/') ? first.slice(0, first.indexOf('/')) : 'chosen files';
  const out: RunSetFile[] = [];
  for (const f of all) {
    const rel = f.webkitRelativePath || f.name;
    push(out, rel.includes('/') ? rel.slice(rel.indexOf('/') + 1) : rel, f);
  }
  return { name, files: out };
}

/** The parts of the File System Access API used here (not in TypeScript's DOM types everywhere). */
interface DirHandle {
  kind: 'directory';
  name: string;
  values(): AsyncIterable<DirHandle | FileHandle>;
}
interface FileHandle {
  kind: 'file';
  name: string;
  getFile(): Promise<File>;
}

export const hasDirectoryPicker = () =>
  typeof window !== 'undefined' &&
  typeof (window as { showDirectoryPicker?: unknown }).showDirectoryPicker === 'function';

/** The File System Access API's picker; null when the user closes it. */
export async function pickDirectory(): Promise<FolderFiles | null> {
  let dir: DirHandle;
  try {
    dir = await (
      window as unknown as { showDirectoryPicker(o: object): Promise<DirHandle> }
    ).showDirectoryPicker({
      mode: 'read',
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') return null;
    throw e;
  }
  const out: RunSetFile[] = [];
  await walkHandle(dir, '', out);
  return { name: dir.name, files: out };
}

async function walkHandle(dir: DirHandle, prefix: string, out: RunSetFile[]): Promise<void> {
  for await (const entry of dir.values()) {
    const path = prefix + entry.name;
    if (entry.kind === 'directory') await walkHandle(entry, `${path}/`, out);
    else if (wanted(path)) push(out, path, await entry.getFile());
  }
}

/** A folder (or files) dropped on the page: entries are walked where the browser gives them. */
export async function filesFromDrop(dt: DataTransfer): Promise<FolderFiles> {
  const entries = Array.from(dt.items)
    .map((it) => (it.kind === 'file' ? it.webkitGetAsEntry?.() : null))
    .filter((e): e is FileSystemEntry => !!e);
  if (entries.length === 0) {
    const out: RunSetFile[] = [];
    for (const f of Array.from(dt.files)) push(out, f.name, f);
    return { name: 'dropped files', files: out };
  }
  const out: RunSetFile[] = [];
  // One folder dropped: paths are relative to it, as with the picker.
  const single = entries.length === 1 && entries[0].isDirectory;
  if (single) await walkEntry(entries[0], '', out);
  else for (const e of entries) await walkEntry(e, e.name, out);
  return { name: single ? entries[0].name : 'dropped files', files: out };
}

async function walkEntry(entry: FileSystemEntry, path: string, out: RunSetFile[]): Promise<void> {
  if (entry.isFile) {
    if (!wanted(path)) return;
    const file = await new Promise<File>((resolve, reject) =>
      (entry as FileSystemFileEntry).file(resolve, reject),
    );
    push(out, path, file);
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries answers in batches (100 in Chromium) until it gives none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) =>
      reader.readEntries(resolve, reject),
    );
    if (batch.length === 0) break;
    for (const child of batch) await walkEntry(child, path ? `${path}/${child.name}` : child.name, out);
  }
}

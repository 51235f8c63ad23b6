/**
 * A Blob built from a stream of parts without holding them all: parts are
 * gathered into Blobs of about 8 MiB, which the browser keeps outside the JS
 * heap, and the result is a Blob of those Blobs (no copy of their bytes).
 * Between groups it yields to the event loop, so a page or a worker stays
 * responsive (and a cancel can arrive) while a large trace is written.
 */
const GROUP_BYTES = 8 * 1024 * 1024;

export async function blobFromParts(
  parts: Iterable<string | Uint8Array>,
  type: string,
  onGroup?: () => void,
): Promise<Blob> {
  const groups: Blob[] = [];
  let group: BlobPart[] = [];
  let size = 0;
  for (const part of parts) {
    group.push(part as BlobPart);
    size += typeof part === 'string' ? part.length : part.byteLength;
    if (size >= GROUP_BYTES) {
      groups.push(new Blob(group));
      group = [];
      size = 0;
      onGroup?.();
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }
  groups.push(new Blob(group));
  return new Blob(groups, { type });
}

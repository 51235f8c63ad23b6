import { useRef } from 'react';
import {
  filesFromInput,
  hasDirectoryPicker,
  pickDirectory,
  FolderError,
  type FolderFiles,
} from '../../run-set/folder-files';
import { SetScoring } from './SetScoring';
import { cancelRunSet, closeRunSet, openRunSet } from '../../run-set/run-set-client';
import { emptySet, patchSet, putSet, useRunSets, type Slot } from '../../run-set/run-set-store';

const pct = (done: number, total: number) => (total ? Math.round((100 * done) / total) : 0);

/** Opening a folder into a slot: why a folder failed is said in the slot's status line. */
export async function openFolder(slot: Slot, get: () => Promise<FolderFiles | null>): Promise<void> {
  try {
    const folder = await get();
    if (folder) await openRunSet(folder, slot);
  } catch (e) {
    const m = e instanceof FolderError ? e.message : `the folder could not be read (${(e as Error).message})`;
    if (!useRunSets.getState().sets[slot])
      putSet(slot, { ...emptySet('folder', new Map()), loading: false, error: m });
    else patchSet(slot, { loading: false, error: m });
  }
}

/**
 * A run set's folder: chosen with the folder picker (`<input webkitdirectory>`,
 * or the File System Access API's where the browser has it), or dropped on
 * the gallery; its reading's progress, with Stop; what it found.
 */
export function RunSetOpen({ slot }: { slot: Slot }) {
  const s = useRunSets((st) => st.sets[slot]);
  const input = useRef<HTMLInputElement>(null);
  const what = slot === 'A' ? 'Run set' : 'Second run set (B), to compare';
  const p = s?.progress;
  return (
    <div className="run-set-open" data-testid={`run-set.${slot}`}>
      <div className="row">
        <strong>{what}</strong>
        {s && (
          <span>
            from <q data-testid={`run-set.${slot}.name`}>{s.name}</q>
          </span>
        )}
        <label className="file-button">
          {s ? 'Open another folder' : 'Open a folder'}
          <input
            ref={input}
            type="file"
            // The folder picker: every file below the chosen folder, with its relative path.
            {...{ webkitdirectory: '', directory: '' }}
            multiple
            onChange={(e) => {
              const list = Array.from(e.target.files ?? []);
              e.target.value = '';
              // In a task of its own, after the browser's own work on the chosen files.
              if (list.length) setTimeout(() => void openFolder(slot, async () => filesFromInput(list)), 0);
            }}
            data-testid={`run-set.${slot}.input`}
            aria-label={`${what}: choose a folder of traces or a real eval output`}
          />
        </label>
        {hasDirectoryPicker() && (
          <button onClick={() => void openFolder(slot, pickDirectory)} data-testid={`run-set.${slot}.pick`}>
            Choose with the folder picker
          </button>
        )}
        {s?.loading && (
          <button onClick={() => cancelRunSet(slot)} data-testid={`run-set.${slot}.cancel`}>
            Stop
          </button>
        )}
        {s && !s.loading && slot === 'B' && (
          <button onClick={() => closeRunSet(slot)} data-testid="run-set.B.close">
            Close B
          </button>
        )}
      </div>
      {s && (
        <p className="hint" role="status" data-testid={`run-set.${slot}.status`} data-loading={s.loading}>
          {p
            ? `${p.done} of ${p.total} runs${s.loading ? ` (${pct(p.done, p.total)} %)` : ''}: ${p.fromSummary} from the summary, ${p.built} scored from their traces${p.failed ? `, ${p.failed} could not be read` : ''}`
            : s.loading
              ? 'Reading the folder…'
              : ''}
          {s.reportPath && ` · numbers from ${s.reportPath}`}
          {s.timing.firstRows !== null &&
            ` · first tiles after ${((s.timing.firstRows - s.timing.chosen) / 1000).toFixed(2)} s`}
          {s.timing.done !== null && `, all after ${((s.timing.done - s.timing.chosen) / 1000).toFixed(2)} s`}
        </p>
      )}
      <SetScoring slot={slot} />
      {s?.loading && p && (
        <progress value={p.done} max={p.total || undefined} aria-label={`${what}: runs read`} />
      )}
      {s?.error && (
        <p className="error" role="alert" data-testid={`run-set.${slot}.error`}>
          {s.error}
        </p>
      )}
      {s && (s.failures.length > 0 || s.notes.length > 0) && (
        <details className="run-set-notes">
          <summary>
            {s.failures.length} file{s.failures.length === 1 ? '' : 's'} not read, {s.notes.length} note
            {s.notes.length === 1 ? '' : 's'}
          </summary>
          <ul data-testid={`run-set.${slot}.failures`}>
            {s.failures.slice(0, 200).map((f) => (
              <li key={f.path}>
                {f.path}: {f.reason}
              </li>
            ))}
            {s.notes.slice(0, 200).map((n, i) => (
              <li key={`n${i}`}>{n}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

import { compareWithInspector } from '../../compare/compare-client';
import { useAppStore } from '../../store';

/** A second trace of the image on screen, opened beside it. */
export function CompareOpen() {
  const can = useAppStore((s) => s.run.trace !== null && s.run.status !== 'running');
  return (
    <div className="row">
      <label>
        Side by side with another trace of this image{' '}
        <input
          type="file"
          accept=".json,.rtrace,application/json"
          disabled={!can}
          onChange={(e) => {
            const f = e.target.files?.[0];
            if (f) void compareWithInspector(f);
            e.target.value = '';
          }}
          data-testid="compare.open"
        />
      </label>
    </div>
  );
}

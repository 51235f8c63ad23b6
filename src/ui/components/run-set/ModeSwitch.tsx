import { useCompare } from '../../compare/compare-store';
import { setMode, useRunSets, type AppMode } from '../../run-set/run-set-store';

const MODES: { mode: AppMode; label: string; title: string }[] = [
  { mode: 'inspector', label: 'Inspector', title: 'One run: its map, tokens and scores' },
  {
    mode: 'gallery',
    label: 'Run set',
    title: 'Failure analysis over a folder of traces or a real eval output',
  },
  { mode: 'compare', label: 'Side by side', title: 'Two runs of the same image' },
];

/** The app's three views: one run, a run set, two runs side by side. */
export function ModeSwitch() {
  const mode = useRunSets((s) => s.mode);
  const hasSides = useCompare((s) => !!(s.sides.A || s.sides.B));
  return (
    <nav className="mode-switch" aria-label="Views">
      {MODES.map((m) => (
        <button
          key={m.mode}
          aria-current={mode === m.mode ? 'page' : undefined}
          onClick={() => setMode(m.mode)}
          disabled={m.mode === 'compare' && !hasSides && mode !== 'compare'}
          title={m.title}
          data-testid={`mode.${m.mode}`}
        >
          {m.label}
        </button>
      ))}
    </nav>
  );
}

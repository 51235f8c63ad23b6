import { useEffect } from 'react';
import { AblationGrid } from './components/AblationGrid';
import { AttentionView } from './components/AttentionView';
import { BackendBadge } from './components/BackendBadge';
import { CgroPanel } from './components/CgroPanel';
import { ErrorBoundary } from './components/ErrorBoundary';
import { GenerationPanel } from './components/GenerationPanel';
import { ImageSizePanel } from './components/ImageSizePanel';
import { EvalPanel } from './components/EvalPanel';
import { ExportButtons } from './components/ExportButtons';
import { ModelPanel } from './components/ModelPanel';
import { RunStatus } from './components/RunStatus';
import { SamplePicker } from './components/SamplePicker';
import { ScoreScatter } from './components/ScoreScatter';
import { SettingsPanel } from './components/SettingsPanel';
import { TokenScorePanel } from './components/TokenScorePanel';
import { TokenStrip } from './components/TokenStrip';
import { TraceFiles } from './components/TraceFiles';
import { ViewControls } from './components/ViewControls';
import { CompareOpen } from './components/compare/CompareOpen';
import { SideBySide } from './components/compare/SideBySide';
import { GalleryBar } from './components/run-set/GalleryBar';
import { ModeSwitch } from './components/run-set/ModeSwitch';
import { RunSetView } from './components/run-set/RunSetView';
import { Walkthrough } from './components/walkthrough/Walkthrough';
import { showExample } from './example';
import { probeWebGpu } from './gpu-probe';
import { BUILT_IN_MODEL, loadModel } from './inference-client';
import { setMode, useRunSets } from './run-set/run-set-store';
import { useAppStore } from './store';
import { openWalkthrough, useWalkthrough } from './walkthrough-store';

// Benchmarks (bench/decode-bench.ts) read run timings from the store.
if (new URLSearchParams(location.search).has('bench'))
  (window as unknown as { __realStore: unknown }).__realStore = useAppStore;

export function App() {
  useEffect(() => {
    const query = new URLSearchParams(location.search);
    void probeWebGpu();
    // The first screen is never empty: the built-in model loads at once (no download from outside),
    // and a saved example is drawn meanwhile (`?example=0` leaves it out).
    if (query.get('autoload') !== '0') void loadModel({ kind: 'url', url: BUILT_IN_MODEL });
    if (query.get('example') !== '0') void showExample();
  }, []);
  const { open, presenting } = useWalkthrough();
  const mode = useRunSets((s) => s.mode);
  const trace = useAppStore((s) => s.run.trace);
  const hasRun = trace !== null;
  return (
    <>
      <header>
        <h1>ReAL Inspector</h1>
        <BackendBadge />
        <ModeSwitch />
        <button
          className="explain-open"
          onClick={() => {
            setMode('inspector');
            openWalkthrough(0);
          }}
          disabled={!hasRun || open}
          data-testid="explain.open"
          title="The method step by step, on the run on screen"
        >
          Explain this run
        </button>
      </header>
      {presenting ? (
        <main className="presentation">
          <Walkthrough />
        </main>
      ) : mode === 'gallery' ? (
        <RunSetView />
      ) : mode === 'compare' ? (
        <SideBySide />
      ) : open ? (
        // The run stays on the left; the walkthrough takes the panels' place.
        <main className="layout explaining">
          <section className="center" aria-label="The run">
            <RunView trace={trace} />
          </section>
          <Walkthrough />
        </main>
      ) : (
        <main className="layout">
          <aside className="left" aria-label="Model and image">
            <ErrorBoundary what="The model and image panels" resetKey={trace}>
              <ModelPanel />
              <SamplePicker />
              <GenerationPanel />
              <ImageSizePanel />
              <EvalPanel />
            </ErrorBoundary>
          </aside>
          <section className="center" aria-label="The run">
            <GalleryBar />
            <RunView trace={trace} />
            <ErrorBoundary what="The display, file and ablation panels" resetKey={trace}>
              <details className="panel group" open>
                <summary>Display</summary>
                <ViewControls />
              </details>
              <details className="panel group" open>
                <summary>Save, open and export</summary>
                <TraceFiles />
                <CompareOpen />
                <ExportButtons />
              </details>
              <AblationGrid />
            </ErrorBoundary>
          </section>
          <aside className="right" aria-label="Scores">
            <ErrorBoundary what="The score panels" resetKey={trace}>
              <TokenScorePanel />
              <ScoreScatter />
              <CgroPanel />
              <SettingsPanel />
            </ErrorBoundary>
          </aside>
        </main>
      )}
    </>
  );
}

/** The run itself, in both layouts: its status, the image with its map, and the tokens. */
function RunView({ trace }: { trace: unknown }) {
  return (
    <>
      <RunStatus />
      <ErrorBoundary what="The run's view" resetKey={trace}>
        <AttentionView />
        <TokenStrip />
      </ErrorBoundary>
    </>
  );
}

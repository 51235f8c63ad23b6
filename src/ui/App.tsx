import { useEffect } from 'react';
import { AblationGrid } from './components/AblationGrid';
import { AttentionView } from './components/AttentionView';
import { BackendBadge } from './components/BackendBadge';
import { CgroPanel } from './components/CgroPanel';
import { GenerationPanel } from './components/GenerationPanel';
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
import { showExample } from './example';
import { probeWebGpu } from './gpu-probe';
import { BUILT_IN_MODEL, loadModel } from './inference-client';
import { useAppStore } from './store';

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
  return (
    <>
      <header>
        <h1>ReAL Inspector</h1>
        <BackendBadge />
      </header>
      <main className="layout">
        <aside className="left">
          <ModelPanel />
          <SamplePicker />
          <EvalPanel />
        </aside>
        <section className="center">
          <GenerationPanel />
          <RunStatus />
          <AttentionView />
          <ViewControls />
          <TokenStrip />
          <TraceFiles />
          <ExportButtons />
          <AblationGrid />
        </section>
        <aside className="right">
          <TokenScorePanel />
          <ScoreScatter />
          <CgroPanel />
          <SettingsPanel />
        </aside>
      </main>
    </>
  );
}

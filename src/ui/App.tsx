import { useEffect } from 'react';
import { BackendBadge } from './components/BackendBadge';
import { probeWebGpu } from './gpu-probe';

export function App() {
  useEffect(() => {
    void probeWebGpu();
  }, []);
  return (
    <>
      <header>
        <h1>ReAL Inspector</h1>
        <BackendBadge />
      </header>
      <main>
        <section className="panel" data-testid="app.intro">
          <p>
            See where a vision-language model looks while it reasons about an image, and which reasoning
            tokens ReAL keeps to build its anomaly map.
          </p>
        </section>
      </main>
    </>
  );
}

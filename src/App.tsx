import { useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { ComparePanel } from './components/ComparePanel';
import { GeneratePanel } from './components/GeneratePanel';
import { PackBar } from './components/PackBar';
import { TokenMapPanel } from './components/TokenMapPanel';
import { useApp } from './store';

export function App() {
  const { init, error, dismissError } = useApp(
    useShallow((s) => ({ init: s.init, error: s.error, dismissError: s.dismissError })),
  );
  useEffect(() => {
    init();
  }, [init]);
  return (
    <main>
      <h1>DiGIT in the browser</h1>
      <p className="lede">Image generation by a GPT over discriminative tokens, on this device.</p>
      <PackBar />
      {error && (
        <div role="alert" className="error" data-testid="error">
          {error}{' '}
          <button type="button" onClick={dismissError} aria-label="dismiss">
            ×
          </button>
        </div>
      )}
      <GeneratePanel />
      <TokenMapPanel />
      <ComparePanel />
    </main>
  );
}

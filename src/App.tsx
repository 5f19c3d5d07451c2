import { Alert, AppShell, Container } from '@mantine/core';
import { useEffect } from 'react';
import { Route, Routes, useNavigate } from 'react-router';
import { useShallow } from 'zustand/react/shallow';
import { AppHeader } from './components/AppHeader';
import { ComparePanel } from './components/ComparePanel';
import { GeneratePanel } from './components/GeneratePanel';
import { HowItWorks } from './components/HowItWorks';
import { PackBar } from './components/PackBar';
import { TokenMapPanel } from './components/TokenMapPanel';
import { droppedDirectory, folderFromDrop } from './packFolder';
import { useApp } from './store';

/** A pack folder dropped anywhere loads; an image dropped outside the token map's own drop zone
 *  goes to the token map. */
function useDropOnPage() {
  const { tokenizeFile, openFolder } = useApp(
    useShallow((s) => ({ tokenizeFile: s.tokenizeFile, openFolder: s.openFolder })),
  );
  const navigate = useNavigate();
  useEffect(() => {
    const onDragOver = (e: DragEvent) => e.preventDefault(); // lets a drop land anywhere
    const onDrop = (e: DragEvent) => {
      if (e.defaultPrevented) return; // the token map's drop zone took it
      e.preventDefault();
      const dir = droppedDirectory(e.dataTransfer);
      if (dir) {
        void folderFromDrop(dir).then(openFolder);
        return;
      }
      const file = Array.from(e.dataTransfer?.files ?? [])[0];
      if (!file) return;
      navigate('/tokens');
      void tokenizeFile(file);
    };
    window.addEventListener('dragover', onDragOver);
    window.addEventListener('drop', onDrop);
    return () => {
      window.removeEventListener('dragover', onDragOver);
      window.removeEventListener('drop', onDrop);
    };
  }, [tokenizeFile, openFolder, navigate]);
}

/** An image pasted anywhere goes to the token map. */
function usePasteToTokenMap() {
  const tokenizeFile = useApp((s) => s.tokenizeFile);
  const navigate = useNavigate();
  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const file = Array.from(e.clipboardData?.files ?? []).find((f) => f.type.startsWith('image/'));
      if (!file) return;
      e.preventDefault();
      navigate('/tokens');
      void tokenizeFile(file);
    };
    window.addEventListener('paste', onPaste);
    return () => window.removeEventListener('paste', onPaste);
  }, [tokenizeFile, navigate]);
}

export function App() {
  const { init, error, dismissError } = useApp(
    useShallow((s) => ({ init: s.init, error: s.error, dismissError: s.dismissError })),
  );
  useEffect(() => {
    init();
  }, [init]);
  usePasteToTokenMap();
  useDropOnPage();
  return (
    <AppShell header={{ height: { base: 104, sm: 60 } }} padding={{ base: 'xs', sm: 'md' }}>
      <AppShell.Header>
        <AppHeader />
      </AppShell.Header>
      <AppShell.Main>
        <Container size="lg" component="main" px={{ base: 0, sm: 'md' }}>
          <PackBar />
          {error && (
            <Alert
              color="red"
              role="alert"
              data-testid="error"
              withCloseButton
              closeButtonLabel="dismiss"
              onClose={dismissError}
              my="md"
            >
              {error}
            </Alert>
          )}
          <Routes>
            <Route path="/" element={<GeneratePanel />} />
            <Route path="/tokens" element={<TokenMapPanel />} />
            <Route path="/compare" element={<ComparePanel />} />
            <Route path="/how" element={<HowItWorks />} />
            <Route path="*" element={<GeneratePanel />} />
          </Routes>
        </Container>
      </AppShell.Main>
    </AppShell>
  );
}

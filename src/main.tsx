import '@mantine/core/styles.css';
import { MantineProvider } from '@mantine/core';
import { StrictMode, startTransition } from 'react';
import { createRoot } from 'react-dom/client';
import { HashRouter } from 'react-router';
import { App } from './App';
import { theme } from './theme';
import './styles.css';

// The page's route lives in the URL's hash (#/compare), so any static host serves every page
// from one index.html; the query string keeps the generation settings (settings.ts). The first
// render is a transition, which React splits into short tasks.
const root = createRoot(document.getElementById('root')!);
startTransition(() =>
  root.render(
    <StrictMode>
      <MantineProvider theme={theme} defaultColorScheme="auto">
        <HashRouter>
          <App />
        </HashRouter>
      </MantineProvider>
    </StrictMode>,
  ),
);

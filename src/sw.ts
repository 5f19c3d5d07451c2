// The service worker (built by vite-plugin-pwa into sw.js). After one visit the page opens and
// runs offline: it keeps the app shell, the ONNX runtime and the listed packs' descriptions (pack
// files live in the app's own cache, workers/engine/fileStore.ts). The page and its workers are
// served with the cross-origin isolation headers, so on a static host that cannot send them
// WebAssembly still gets threads from the second visit on (a page is isolated only if its own
// response was).
import type { WorkboxPlugin } from 'workbox-core';
import { clientsClaim } from 'workbox-core';
import { addPlugins, cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkFirst } from 'workbox-strategies';
import { ISOLATION_HEADERS } from './isolationHeaders';

declare const self: ServiceWorkerGlobalScope & {
  __WB_MANIFEST: (string | { url: string; revision: string | null })[];
};

/** A page's or a worker's response with the isolation headers added. Nothing else needs them,
 *  and a response made here loses what the browser caches beside a fetched one (the compiled
 *  code of the runtime's WebAssembly); an opaque response cannot be read or changed. */
function isolated(destination: RequestDestination, response: Response): Response {
  if (destination !== 'document' && destination !== 'worker') return response;
  if (response.type === 'opaque' || response.status === 0) return response;
  const present = Object.entries(ISOLATION_HEADERS).every(([name, value]) => response.headers.get(name) === value);
  if (present) return response; // the host sent them
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(ISOLATION_HEADERS)) headers.set(name, value);
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

// what was asked for: the fetch event's request (a navigation's handler reads index.html instead)
const isolation: WorkboxPlugin = {
  handlerWillRespond: async ({ event, request, response }) =>
    isolated(((event as FetchEvent | undefined)?.request ?? request).destination, response),
};

self.skipWaiting();
clientsClaim();
cleanupOutdatedCaches();
addPlugins([isolation]);
precacheAndRoute(self.__WB_MANIFEST);
registerRoute(new NavigationRoute(createHandlerBoundToURL('index.html')));
// the listed packs' descriptions: from the network when it answers, else the last copy
registerRoute(
  ({ url }) => url.pathname.includes('/models/') && url.pathname.endsWith('.json'),
  new NetworkFirst({ cacheName: 'pack-descriptions', plugins: [isolation] }),
);

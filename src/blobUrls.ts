// Bytes made in the page, handed to the browser as object URLs: a file to save, or PNGs to show.
import { useEffect, useState } from 'react';

export const pngBlob = (bytes: Uint8Array) => new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'image/png' });

/** Save a blob as a file; its object URL is revoked once the download has had time to start. */
export function downloadBlob(name: string, blob: Blob) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** Object URLs for PNG bytes, revoked when the list changes or the component goes. Pass a list
 *  that keeps its identity between renders (useMemo); until the URLs exist it returns []. */
export function usePngUrls(pngs: readonly Uint8Array[]): string[] {
  const [made, setMade] = useState<{ pngs: readonly Uint8Array[]; urls: string[] } | null>(null);
  useEffect(() => {
    const urls = pngs.map((bytes) => URL.createObjectURL(pngBlob(bytes)));
    setMade({ pngs, urls });
    return () => {
      for (const url of urls) URL.revokeObjectURL(url);
    };
  }, [pngs]);
  return made?.pngs === pngs ? made.urls : [];
}

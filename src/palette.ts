// A distinct colour per token id: hues a golden angle apart, lightness alternating in bands.
function tokenHsl(id: number): [number, number, number] {
  return [(id * 137.508) % 360, 70, [52, 38, 66][id % 3]];
}

export function tokenColor(id: number): string {
  const [h, s, l] = tokenHsl(id);
  return `hsl(${h.toFixed(1)} ${s}% ${l}%)`;
}

/** WCAG relative luminance of an HSL colour. */
function luminance([h, s, l]: [number, number, number]): number {
  const a = (s / 100) * Math.min(l / 100, 1 - l / 100);
  const channel = (n: number) => {
    const k = (n + h / 30) % 12;
    const c = l / 100 - a * Math.max(-1, Math.min(k - 3, 9 - k, 1));
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(8) + 0.0722 * channel(4);
}

/** Black or white, whichever reads better on the token's colour. */
export function tokenTextColor(id: number): string {
  const y = luminance(tokenHsl(id));
  return (y + 0.05) / 0.05 >= 1.05 / (y + 0.05) ? '#000' : '#fff';
}

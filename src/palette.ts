// A distinct colour per token id: hues a golden angle apart, lightness alternating in bands.
export function tokenColor(id: number): string {
  const hue = (id * 137.508) % 360;
  const light = [52, 38, 66][id % 3];
  return `hsl(${hue.toFixed(1)} 70% ${light}%)`;
}

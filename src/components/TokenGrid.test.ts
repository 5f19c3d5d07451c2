import { describe, expect, it } from 'vitest';
import { nextCell } from './TokenGrid';

describe('keyboard moves in the token grid (4 columns, 12 cells)', () => {
  it('steps with the arrows and stops at the edges of the grid', () => {
    expect(nextCell('ArrowRight', 5, 4, 12)).toBe(6);
    expect(nextCell('ArrowDown', 5, 4, 12)).toBe(9);
    expect(nextCell('ArrowUp', 1, 4, 12)).toBe(0);
    expect(nextCell('ArrowDown', 10, 4, 12)).toBe(11);
    expect(nextCell('ArrowLeft', 0, 4, 12)).toBe(0);
  });

  it('Home and End go to the ends of the row; other keys do not move', () => {
    expect(nextCell('Home', 6, 4, 12)).toBe(4);
    expect(nextCell('End', 6, 4, 12)).toBe(7);
    expect(nextCell('a', 6, 4, 12)).toBeNull();
  });
});

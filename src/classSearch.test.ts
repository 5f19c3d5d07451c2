import { describe, expect, it } from 'vitest';
import { listedClasses, matchClasses } from './classSearch';

const classes = ['tench', 'goldfish', 'great white shark', 'tiger shark', 'hammerhead'];

describe('class search', () => {
  it('matches name fragments in any case, and class numbers', () => {
    expect(matchClasses(classes, 'SHARK').map((c) => c.id)).toEqual([2, 3]);
    expect(matchClasses(classes, ' 4 ').map((c) => c.name)).toEqual(['hammerhead']);
    expect(matchClasses(classes, '')).toHaveLength(5);
    expect(matchClasses(classes, 'zebra')).toEqual([]);
  });

  it('keeps the chosen class listed first when the query does not match it', () => {
    expect(listedClasses(classes, 'shark', 1).map((c) => c.id)).toEqual([1, 2, 3]);
    expect(listedClasses(classes, 'shark', 3).map((c) => c.id)).toEqual([2, 3]);
    expect(listedClasses(classes, 'shark', null).map((c) => c.id)).toEqual([2, 3]);
  });
});

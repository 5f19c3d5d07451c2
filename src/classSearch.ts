// Narrowing a long class list (ImageNet's 1000) by what the user types: a name fragment, any
// case, or a class number.

export interface ClassOption {
  name: string;
  id: number;
}

export function matchClasses(classes: string[], query: string): ClassOption[] {
  const q = query.trim().toLowerCase();
  return classes
    .map((name, id) => ({ name, id }))
    .filter(({ name, id }) => !q || name.toLowerCase().includes(q) || String(id) === q);
}

/** The options to list: the matches, with the chosen class kept first when it does not match,
 *  so the picker never holds a value it does not show. */
export function listedClasses(classes: string[], query: string, chosen: number | null): ClassOption[] {
  const matches = matchClasses(classes, query);
  if (chosen === null || matches.some((c) => c.id === chosen)) return matches;
  return [{ name: classes[chosen], id: chosen }, ...matches];
}

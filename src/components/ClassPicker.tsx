// The class to generate: a plain list for small packs; with many classes (ImageNet's 1000 in a
// converted official pack) a search box narrows the list as you type.
import { useState } from 'react';
import { listedClasses, matchClasses } from '../classSearch';

const SEARCH_FROM = 20;

export function ClassPicker({
  classes,
  value,
  onChange,
  unconditional = true,
}: {
  classes: string[];
  value: number | null;
  onChange: (classId: number | null) => void;
  /** Offer "unconditional" (packs trained with class dropout). */
  unconditional?: boolean;
}) {
  const [query, setQuery] = useState('');
  const count = query.trim() ? matchClasses(classes, query).length : null;
  return (
    <>
      {classes.length >= SEARCH_FROM && (
        <label>
          Find class
          <input
            type="search"
            value={query}
            placeholder={`${classes.length} classes`}
            onChange={(e) => {
              setQuery(e.target.value);
              const [first] = e.target.value.trim() ? matchClasses(classes, e.target.value) : [];
              if (first) onChange(first.id);
            }}
          />
          <small aria-live="polite">{count === null ? '' : `${count} match${count === 1 ? '' : 'es'}`}</small>
        </label>
      )}
      <label>
        Class
        <select
          value={value ?? 'none'}
          onChange={(e) => onChange(e.target.value === 'none' ? null : Number(e.target.value))}
        >
          {unconditional && <option value="none">unconditional</option>}
          {listedClasses(classes, query, value).map(({ name, id }) => (
            <option key={id} value={id}>
              {name}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}

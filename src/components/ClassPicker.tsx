// The class to generate: a plain list for small packs; with many classes (ImageNet's 1000 in a
// converted official pack) a search box narrows the list as you type.
import { NativeSelect, TextInput } from '@mantine/core';
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
        <TextInput
          type="search"
          label="Find class"
          value={query}
          placeholder={`${classes.length} classes`}
          size="md"
          description={
            <span aria-live="polite">{count === null ? '' : `${count} match${count === 1 ? '' : 'es'}`}</span>
          }
          onChange={(e) => {
            const text = e.currentTarget.value;
            setQuery(text);
            const [first] = text.trim() ? matchClasses(classes, text) : [];
            if (first) onChange(first.id);
          }}
        />
      )}
      <NativeSelect
        label="Class"
        size="md"
        miw={200}
        value={value === null ? 'none' : String(value)}
        onChange={(e) => onChange(e.currentTarget.value === 'none' ? null : Number(e.currentTarget.value))}
      >
        {unconditional && <option value="none">unconditional</option>}
        {listedClasses(classes, query, value).map(({ name, id }) => (
          <option key={id} value={id}>
            {name}
          </option>
        ))}
      </NativeSelect>
    </>
  );
}

import { useId, useState } from 'preact/hooks';
import { tags } from '../project-state.ts';

/**
 * Custom Vision's "My Tags" field: type a name and press Enter (or pick one of the project's tags); a new name
 * becomes a new tag when the form is saved. "Negative" is offered as the negative tag. `single` keeps one tag.
 */
export function TagPicker(props: {
  value: string[];
  onChange: (names: string[]) => void;
  single?: boolean;
  label?: string;
  disabled?: boolean;
}) {
  const [text, setText] = useState('');
  const listId = useId();
  const inputId = useId();
  const names = props.value;
  const add = (raw: string) => {
    const name = raw.trim();
    if (!name) return;
    const known = tags.value.find((t) => (t.name ?? '').toLowerCase() === name.toLowerCase())?.name ?? name;
    if (!names.some((n) => n.toLowerCase() === known.toLowerCase()))
      props.onChange(props.single ? [known] : [...names, known]);
    setText('');
  };
  const options = [
    ...tags.value.map((t) => t.name ?? ''),
    ...(tags.value.some((t) => t.type === 'Negative') ? [] : ['Negative']),
  ];
  return (
    <div class="tag-picker">
      <label for={inputId}>{props.label ?? 'My Tags'}</label>
      <div class="tag-input">
        {names.map((n) => (
          <span class="chip" key={n}>
            {n}
            <button
              type="button"
              aria-label={`Remove tag ${n}`}
              disabled={props.disabled}
              onClick={() => props.onChange(names.filter((x) => x !== n))}
            >
              ✕
            </button>
          </span>
        ))}
        <input
          id={inputId}
          class="tag-text"
          list={listId}
          value={text}
          disabled={props.disabled}
          placeholder={names.length ? '' : 'Type a tag and press Enter'}
          onInput={(e) => setText(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' || e.key === ',') {
              if (!text.trim()) return;
              e.preventDefault();
              add(text);
            } else if (e.key === 'Backspace' && !text && names.length) props.onChange(names.slice(0, -1));
          }}
          onBlur={() => add(text)}
        />
        <datalist id={listId}>
          {options.map((o) => (
            <option key={o} value={o} />
          ))}
        </datalist>
      </div>
      {props.single ? <p class="muted small">Multiclass: one tag per image.</p> : null}
    </div>
  );
}

export function isNegativeName(name: string): boolean {
  return name.toLowerCase() === 'negative';
}

import type { ComponentChildren } from 'preact';

export interface Choice<T extends string> {
  value: T;
  label: ComponentChildren;
}

/** A fieldset of radio buttons with its legend: Project Types, Classification Types, Domains, Training Types. */
export function RadioGroup<T extends string>(props: {
  legend: string;
  name: string;
  choices: Choice<T>[];
  value: T | undefined;
  onChange: (value: T) => void;
  /** Lay the choices out in columns (the domain list). */
  columns?: boolean;
  empty?: string;
}) {
  return (
    <fieldset>
      <legend>{props.legend}</legend>
      {props.choices.length === 0 && props.empty ? <p class="muted small">{props.empty}</p> : null}
      <div class={props.columns ? 'domain-list' : undefined}>
        {props.choices.map((c) => (
          <label class="choice" key={c.value}>
            <input
              type="radio"
              name={props.name}
              value={c.value}
              checked={props.value === c.value}
              onChange={() => props.onChange(c.value)}
            />
            <span>{c.label}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}

export const classificationTypeChoices: Choice<'Multiclass' | 'Multilabel'>[] = [
  {
    value: 'Multilabel',
    label: (
      <>
        Multilabel <span class="muted small">(Multiple tags per image)</span>
      </>
    ),
  },
  {
    value: 'Multiclass',
    label: (
      <>
        Multiclass <span class="muted small">(Single tag per image)</span>
      </>
    ),
  },
];

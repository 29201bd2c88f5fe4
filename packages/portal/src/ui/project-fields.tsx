import type { Domain } from '../project-state.ts';
import { classificationTypeChoices, RadioGroup } from './radio-group.tsx';

/** Name and Description, as New Project and Settings ask for them. */
export function NameFields(props: {
  name: string;
  description: string;
  onName: (v: string) => void;
  onDescription: (v: string) => void;
}) {
  return (
    <>
      <label>
        <span>
          Name<span aria-hidden="true">*</span>
        </span>
        <input required value={props.name} onInput={(e) => props.onName(e.currentTarget.value)} maxLength={256} />
      </label>
      <label>
        Description
        <textarea rows={2} value={props.description} onInput={(e) => props.onDescription(e.currentTarget.value)} />
      </label>
    </>
  );
}

/** Classification Types (classification projects only) and the Domains of the project's type. */
export function ModelFields(props: {
  domains: Domain[];
  domainId: string | undefined;
  onDomain: (id: string) => void;
  classificationType: 'Multiclass' | 'Multilabel' | undefined;
  onClassificationType?: ((v: 'Multiclass' | 'Multilabel') => void) | undefined;
}) {
  return (
    <>
      {props.onClassificationType ? (
        <RadioGroup
          legend="Classification Types"
          name="classificationType"
          choices={classificationTypeChoices}
          value={props.classificationType}
          onChange={props.onClassificationType}
        />
      ) : null}
      <RadioGroup
        legend="Domains"
        name="domain"
        columns
        empty="The server lists no domain of this type."
        choices={props.domains.map((d) => ({ value: d.id ?? '', label: d.name }))}
        value={props.domainId}
        onChange={props.onDomain}
      />
    </>
  );
}

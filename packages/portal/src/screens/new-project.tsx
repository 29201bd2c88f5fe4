import { useEffect, useState } from 'preact/hooks';
import { domains, loadDomains, type Project } from '../project-state.ts';
import { describeError, trainer } from '../session.ts';
import { Dialog, ErrorText } from '../ui/dialog.tsx';

type ProjectType = 'Classification' | 'ObjectDetection';
type ClassificationType = 'Multiclass' | 'Multilabel';

export function NewProjectDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (p: Project) => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [projectType, setProjectType] = useState<ProjectType>('Classification');
  const [classificationType, setClassificationType] = useState<ClassificationType>('Multiclass');
  const [domainId, setDomainId] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    loadDomains().catch((e) => setError(describeError(e)));
  }, []);
  const listed = domains.value.filter((d) => d.type === projectType && d.enabled !== false);
  const chosen = listed.find((d) => d.id === domainId) ?? listed[0];

  const create = async () => {
    if (!name.trim()) return setError('Give the project a name.');
    setBusy(true);
    setError(null);
    try {
      const p = await trainer().createProject({
        name: name.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(chosen?.id ? { domainId: chosen.id } : {}),
        ...(projectType === 'Classification' ? { classificationType } : {}),
      });
      onCreated(p);
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Create new project"
      onClose={onClose}
      onSubmit={create}
      busy={busy}
      footer={
        <>
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Creating…' : 'Create project'}
          </button>
        </>
      }
    >
      <label>
        <span>
          Name<span aria-hidden="true">*</span>
        </span>
        <input required value={name} onInput={(e) => setName(e.currentTarget.value)} maxLength={256} />
      </label>
      <label>
        Description
        <textarea rows={2} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </label>
      <fieldset>
        <legend>Project Types</legend>
        <Radio
          name="projectType"
          value="Classification"
          checked={projectType === 'Classification'}
          onPick={() => setProjectType('Classification')}
        >
          Classification
        </Radio>
        <Radio
          name="projectType"
          value="ObjectDetection"
          checked={projectType === 'ObjectDetection'}
          onPick={() => setProjectType('ObjectDetection')}
        >
          Object Detection
        </Radio>
      </fieldset>
      {projectType === 'Classification' ? (
        <fieldset>
          <legend>Classification Types</legend>
          <Radio
            name="classificationType"
            value="Multilabel"
            checked={classificationType === 'Multilabel'}
            onPick={() => setClassificationType('Multilabel')}
          >
            Multilabel <span class="muted small">(Multiple tags per image)</span>
          </Radio>
          <Radio
            name="classificationType"
            value="Multiclass"
            checked={classificationType === 'Multiclass'}
            onPick={() => setClassificationType('Multiclass')}
          >
            Multiclass <span class="muted small">(Single tag per image)</span>
          </Radio>
        </fieldset>
      ) : null}
      <fieldset>
        <legend>Domains</legend>
        {listed.length === 0 ? <p class="muted small">The server lists no domain of this type.</p> : null}
        <div class="domain-list">
          {listed.map((d) => (
            <Radio
              key={d.id}
              name="domain"
              value={d.id ?? ''}
              checked={chosen?.id === d.id}
              onPick={() => setDomainId(d.id)}
            >
              {d.name}
            </Radio>
          ))}
        </div>
      </fieldset>
      {error ? <ErrorText text={error} /> : null}
    </Dialog>
  );
}

export function Radio(props: {
  name: string;
  value: string;
  checked: boolean;
  onPick: () => void;
  children: preact.ComponentChildren;
}) {
  return (
    <label class="choice">
      <input type="radio" name={props.name} value={props.value} checked={props.checked} onChange={props.onPick} />
      <span>{props.children}</span>
    </label>
  );
}

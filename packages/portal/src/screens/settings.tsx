import { useState } from 'preact/hooks';
import { project as current, domainOf, domains, type Project } from '../project-state.ts';
import { describeError, trainer } from '../session.ts';
import { Dialog, ErrorText } from '../ui/dialog.tsx';
import { Radio } from './new-project.tsx';

export function SettingsDialog({ project, onClose }: { project: Project; onClose: () => void }) {
  const type = domainOf(project)?.type ?? 'Classification';
  const [name, setName] = useState(project.name);
  const [description, setDescription] = useState(project.description ?? '');
  const [domainId, setDomainId] = useState(project.settings.domainId);
  const [classificationType, setClassificationType] = useState(project.settings.classificationType ?? 'Multiclass');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      current.value = await trainer().updateProject(project.id!, {
        name: name.trim(),
        description: description.trim(),
        settings: {
          ...project.settings,
          domainId,
          ...(type === 'Classification' ? { classificationType } : {}),
        },
      });
      onClose();
    } catch (e) {
      setError(describeError(e));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Project Settings"
      onClose={onClose}
      onSubmit={save}
      busy={busy}
      footer={
        <>
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy || !name.trim()}>
            Save Changes
          </button>
        </>
      }
    >
      <label>
        Name
        <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </label>
      <label>
        Description
        <textarea rows={2} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
      </label>
      <p class="muted small">
        Project ID: <code>{project.id}</code>
      </p>
      <fieldset>
        <legend>Domains</legend>
        <div class="domain-list">
          {domains.value
            .filter((d) => d.type === type)
            .map((d) => (
              <Radio
                key={d.id}
                name="domain"
                value={d.id ?? ''}
                checked={domainId === d.id}
                onPick={() => setDomainId(d.id)}
              >
                {d.name}
              </Radio>
            ))}
        </div>
      </fieldset>
      {type === 'Classification' ? (
        <fieldset>
          <legend>Classification Types</legend>
          <Radio
            name="ct"
            value="Multilabel"
            checked={classificationType === 'Multilabel'}
            onPick={() => setClassificationType('Multilabel')}
          >
            Multilabel
          </Radio>
          <Radio
            name="ct"
            value="Multiclass"
            checked={classificationType === 'Multiclass'}
            onPick={() => setClassificationType('Multiclass')}
          >
            Multiclass
          </Radio>
        </fieldset>
      ) : null}
      <p class="notice small">A new domain or classification type takes effect when you train again.</p>
      {error ? <ErrorText text={error} /> : null}
    </Dialog>
  );
}

import { useState } from 'preact/hooks';
import { project as current, domainOf, domains, type Project } from '../project-state.ts';
import { trainer } from '../session.ts';
import { Dialog, ErrorText } from '../ui/dialog.tsx';
import { ModelFields, NameFields } from '../ui/project-fields.tsx';
import { useAction } from '../ui/use-action.ts';

export function SettingsDialog({ project, onClose }: { project: Project; onClose: () => void }) {
  const type = domainOf(project)?.type ?? 'Classification';
  const [name, setName] = useState(project.name);
  const [description, setDescription] = useState(project.description ?? '');
  const [domainId, setDomainId] = useState(project.settings.domainId);
  const [classificationType, setClassificationType] = useState(project.settings.classificationType ?? 'Multiclass');
  const { busy, error, run } = useAction();

  const save = async () => {
    await run(async () => {
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
    });
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
      <NameFields name={name} description={description} onName={setName} onDescription={setDescription} />
      <p class="muted small">
        Project ID: <code>{project.id}</code>
      </p>
      <ModelFields
        domains={domains.value.filter((d) => d.type === type)}
        domainId={domainId}
        onDomain={setDomainId}
        classificationType={classificationType}
        onClassificationType={type === 'Classification' ? setClassificationType : undefined}
      />
      <p class="notice small">A new domain or classification type takes effect when you train again.</p>
      {error ? <ErrorText text={error} /> : null}
    </Dialog>
  );
}

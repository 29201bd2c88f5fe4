import { useEffect, useState } from 'preact/hooks';
import { domains, loadDomains, type Project } from '../project-state.ts';
import { describeError, trainer } from '../session.ts';
import { Dialog, ErrorText } from '../ui/dialog.tsx';
import { ModelFields, NameFields } from '../ui/project-fields.tsx';
import { RadioGroup } from '../ui/radio-group.tsx';
import { useAction } from '../ui/use-action.ts';

type ProjectType = 'Classification' | 'ObjectDetection';
type ClassificationType = 'Multiclass' | 'Multilabel';

export function NewProjectDialog({ onClose, onCreated }: { onClose: () => void; onCreated: (p: Project) => void }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [projectType, setProjectType] = useState<ProjectType>('Classification');
  const [classificationType, setClassificationType] = useState<ClassificationType>('Multiclass');
  const [domainId, setDomainId] = useState<string | undefined>(undefined);
  const { busy, error, setError, run } = useAction();

  useEffect(() => {
    loadDomains().catch((e) => setError(describeError(e)));
  }, []);
  const listed = domains.value.filter((d) => d.type === projectType && d.enabled !== false);
  const chosen = listed.find((d) => d.id === domainId) ?? listed[0];

  const create = async () => {
    if (!name.trim()) return setError('Give the project a name.');
    await run(async () => {
      const p = await trainer().createProject({
        name: name.trim(),
        ...(description.trim() ? { description: description.trim() } : {}),
        ...(chosen?.id ? { domainId: chosen.id } : {}),
        ...(projectType === 'Classification' ? { classificationType } : {}),
      });
      onCreated(p);
    });
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
      <NameFields name={name} description={description} onName={setName} onDescription={setDescription} />
      <RadioGroup
        legend="Project Types"
        name="projectType"
        choices={[
          { value: 'Classification', label: 'Classification' },
          { value: 'ObjectDetection', label: 'Object Detection' },
        ]}
        value={projectType}
        onChange={setProjectType}
      />
      <ModelFields
        domains={listed}
        domainId={chosen?.id}
        onDomain={setDomainId}
        classificationType={classificationType}
        onClassificationType={projectType === 'Classification' ? setClassificationType : undefined}
      />
      {error ? <ErrorText text={error} /> : null}
    </Dialog>
  );
}

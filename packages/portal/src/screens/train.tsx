import { useState } from 'preact/hooks';
import { type Project, reloadIterations, tags, watchTraining } from '../project-state.ts';
import { trainer } from '../session.ts';
import { Dialog, ErrorText } from '../ui/dialog.tsx';
import { RadioGroup } from '../ui/radio-group.tsx';
import { useAction } from '../ui/use-action.ts';

export function TrainDialog(props: { project: Project; onClose: () => void; onStarted: () => void }) {
  const { project } = props;
  const [type, setType] = useState<'Regular' | 'Advanced'>('Regular');
  const [hours, setHours] = useState(1);
  const [selected, setSelected] = useState<Set<string>>(() => new Set(tags.value.map((t) => t.id!)));
  const { busy, error, run } = useAction();

  const train = async () => {
    await run(async () => {
      const allTags = selected.size === tags.value.length;
      await trainer().trainProject(
        project.id!,
        type === 'Advanced' ? { trainingType: 'Advanced', reservedBudgetInHours: hours } : {},
        type === 'Advanced' && !allTags ? { selectedTags: [...selected] } : undefined,
      );
      await reloadIterations();
      void watchTraining(project.id!);
      props.onStarted();
    });
  };

  return (
    <Dialog
      title="Choose Training Type"
      onClose={props.onClose}
      onSubmit={train}
      busy={busy}
      footer={
        <>
          <button type="button" onClick={props.onClose} disabled={busy}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={busy}>
            {busy ? 'Starting…' : 'Train'}
          </button>
        </>
      }
    >
      <RadioGroup
        legend="Training Types"
        name="trainingType"
        choices={[
          { value: 'Regular', label: 'Quick Training' },
          { value: 'Advanced', label: 'Advanced Training' },
        ]}
        value={type}
        onChange={setType}
      />
      {type === 'Advanced' ? (
        <>
          <label>
            Training budget (hours)
            <input
              type="number"
              min={1}
              max={96}
              step={1}
              value={hours}
              onInput={(e) => setHours(Math.max(1, Math.min(96, Number(e.currentTarget.value) || 1)))}
            />
          </label>
          <fieldset>
            <legend>Selected tags</legend>
            {tags.value.map((t) => (
              <label class="choice" key={t.id}>
                <input
                  type="checkbox"
                  checked={selected.has(t.id!)}
                  onChange={(e) => {
                    const on = e.currentTarget.checked;
                    setSelected((s) => {
                      const next = new Set(s);
                      if (on) next.add(t.id!);
                      else next.delete(t.id!);
                      return next;
                    });
                  }}
                />
                <span>
                  {t.name} <span class="muted small">({t.imageCount ?? 0} images)</span>
                </span>
              </label>
            ))}
          </fieldset>
        </>
      ) : (
        <p class="muted small">
          Quick Training fits the model in seconds; Advanced Training searches longer, within its budget.
        </p>
      )}
      {error ? <ErrorText text={error} /> : null}
    </Dialog>
  );
}

import { formats } from '@cvkit/cli/formats';
import { type WriteProjectResult, writeProject } from '@cvkit/cli/project';
import { useState } from 'preact/hooks';
import { folderTree } from '../dataset-files.ts';
import { isDetection, type Project, reloadTags } from '../project-state.ts';
import { trainer } from '../session.ts';
import { Dialog, ErrorText } from '../ui/dialog.tsx';
import { FolderPicker } from '../ui/folder-picker.tsx';
import { FormatChoice, formatsFor } from '../ui/format-choice.tsx';
import { useAction } from '../ui/use-action.ts';

/**
 * "Import dataset": a folder in a dataset format (another tool's labels, or a "Download dataset" unzipped) becomes
 * this project's tags, images and regions; tags are matched by name.
 */
export function ImportDatasetDialog({ project, onClose }: { project: Project; onClose: () => void }) {
  const kind = isDetection(project) ? 'detection' : 'classification';
  const [format, setFormat] = useState(formatsFor(kind)[0]!);
  const [files, setFiles] = useState<File[] | null>(null);
  const [progress, setProgress] = useState({ done: 0, total: 0 });
  const [result, setResult] = useState<WriteProjectResult | null>(null);
  const action = useAction();

  const start = () =>
    action.run(async () => {
      if (!files?.length) throw new Error('Choose the dataset folder first.');
      setResult(null);
      const dataset = formats[format].read(await folderTree(files));
      if (dataset.images.length === 0) throw new Error(`No images found in that folder as ${format}.`);
      setProgress({ done: 0, total: dataset.images.length });
      const answer = await writeProject(trainer(), dataset, {
        projectId: project.id!,
        name: project.name ?? '',
        kind,
        onProgress: (done, total) => setProgress({ done, total }),
      });
      setResult(answer);
      await reloadTags();
    });

  return (
    <Dialog
      title="Import dataset"
      onClose={onClose}
      busy={action.busy}
      footer={
        result ? (
          <button type="button" class="primary" onClick={onClose}>
            Done
          </button>
        ) : (
          <button type="button" class="primary" disabled={action.busy || !files?.length} onClick={() => void start()}>
            Import
          </button>
        )
      }
    >
      <FormatChoice kind={kind} value={format} onChange={setFormat} />
      <div class="row">
        <FolderPicker label="Choose dataset folder" onPick={setFiles} />
        <span class="muted" aria-live="polite">
          {files?.length ? `${files.length} files chosen` : 'No folder chosen'}
        </span>
      </div>
      {action.busy || result ? (
        <label>
          {result ? 'Import finished' : 'Importing…'}
          <progress max={Math.max(progress.total, 1)} value={progress.done} />
        </label>
      ) : null}
      {result ? (
        <p aria-live="polite">
          {result.created} image{result.created === 1 ? '' : 's'} imported
          {result.duplicates ? `, ${result.duplicates} already in the project` : ''}.
        </p>
      ) : null}
      {result?.failed.length ? (
        <ul class="problems" role="alert">
          {result.failed.map((f) => (
            <li key={f.file}>
              <strong>{f.file}</strong>: {f.reason}
            </li>
          ))}
        </ul>
      ) : null}
      {action.error ? <ErrorText text={action.error} /> : null}
    </Dialog>
  );
}

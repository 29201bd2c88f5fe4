import { formats } from '@cvkit/cli/formats';
import { readProject } from '@cvkit/cli/project';
import { useEffect, useState } from 'preact/hooks';
import { fileSafe, zipTree } from '../dataset-files.ts';
import { isDetection, type Project } from '../project-state.ts';
import { trainer } from '../session.ts';
import { Dialog, ErrorText } from '../ui/dialog.tsx';
import { FormatChoice, formatsFor } from '../ui/format-choice.tsx';
import { useAction } from '../ui/use-action.ts';

/** "Download dataset": every training image with its tags and regions, in the chosen format, as one zip. */
export function DownloadDatasetDialog({ project, onClose }: { project: Project; onClose: () => void }) {
  const kind = isDetection(project) ? 'detection' : 'classification';
  const [format, setFormat] = useState(formatsFor(kind)[0]!);
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [link, setLink] = useState<{ href: string; name: string; images: number } | null>(null);
  const action = useAction();
  useEffect(() => () => link && URL.revokeObjectURL(link.href), [link]);

  const prepare = () =>
    action.run(async () => {
      setLink(null);
      setProgress({ done: 0, total: 0 });
      const dataset = await readProject(trainer(), project.id!, (done, total) => setProgress({ done, total }));
      const root = `${fileSafe(project.name ?? '')}-${format}`;
      const zip = zipTree(formats[format].write(dataset), root);
      setLink({ href: URL.createObjectURL(zip), name: `${root}.zip`, images: dataset.images.length });
    });

  return (
    <Dialog
      title="Download dataset"
      onClose={onClose}
      busy={action.busy}
      onSubmit={() => void prepare()}
      footer={
        <>
          <button type="submit" class="primary" disabled={action.busy}>
            Prepare download
          </button>
          {link ? (
            <a class="button primary" href={link.href} download={link.name}>
              Download
            </a>
          ) : null}
        </>
      }
    >
      <FormatChoice
        kind={kind}
        value={format}
        onChange={(f) => {
          setFormat(f);
          setLink(null);
        }}
      />
      {progress ? (
        <label>
          {link ? 'Ready' : 'Reading images…'}
          <progress max={Math.max(progress.total, 1)} value={link ? progress.total : progress.done} />
        </label>
      ) : null}
      <p aria-live="polite">{link ? `${link.images} image${link.images === 1 ? '' : 's'} in ${link.name}.` : ''}</p>
      {action.error ? <ErrorText text={action.error} /> : null}
    </Dialog>
  );
}

import type { TrainingModels } from '@cvkit/sdk';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { IterationDialogProps } from '../project-state.ts';
import { describeError, trainer } from '../session.ts';
import { Dialog, ErrorText } from '../ui/dialog.tsx';
import { pause } from '../ui/format.ts';

type Platform = NonNullable<TrainingModels.Export['platform']>;
type Flavor = TrainingModels.Export['flavor'];
interface Choice {
  platform: Platform;
  flavor: Flavor;
  label: string;
  detail: string;
}

/** Custom Vision's export choices; only those whose platform the iteration lists are offered. */
const choices: Choice[] = [
  { platform: 'TensorFlow', flavor: null, label: 'TensorFlow', detail: 'Android, Python: a frozen TensorFlow graph' },
  { platform: 'TensorFlow', flavor: 'TensorFlowLite', label: 'TensorFlow Lite', detail: 'Android and edge devices' },
  { platform: 'ONNX', flavor: null, label: 'ONNX', detail: 'Windows ML, ONNX Runtime' },
  {
    platform: 'DockerFile',
    flavor: 'Linux',
    label: 'Dockerfile (Linux)',
    detail: 'A container serving the model over HTTP',
  },
  { platform: 'DockerFile', flavor: 'ARM', label: 'Dockerfile (ARM)', detail: 'Raspberry Pi 3 and other ARM boards' },
  { platform: 'DockerFile', flavor: 'Windows', label: 'Dockerfile (Windows)', detail: 'Windows containers' },
  { platform: 'CoreML', flavor: null, label: 'CoreML', detail: 'iOS 11 and later' },
  { platform: 'OpenVino', flavor: null, label: 'OpenVino', detail: 'Intel hardware' },
  { platform: 'VAIDK', flavor: null, label: 'Vision AI Dev Kit', detail: 'Qualcomm Vision AI Dev Kit' },
];

const same = (e: TrainingModels.Export, c: Choice) =>
  e.platform === c.platform && (e.flavor ?? null) === (c.flavor ?? null);

export function ExportDialog({ project, iteration, onClose }: IterationDialogProps) {
  const offered = choices.filter((c) => (iteration.exportableTo ?? []).includes(c.platform));
  const [picked, setPicked] = useState<Choice | undefined>(offered[0]);
  const [exports, setExports] = useState<TrainingModels.Export[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const current = picked ? exports.find((e) => same(e, picked)) : undefined;

  const stop = useRef(new AbortController());
  useEffect(() => {
    trainer()
      .getExports(project.id!, iteration.id!)
      .then(setExports)
      .catch((e) => setError(describeError(e)));
    return () => stop.current.abort();
  }, []);

  const start = async () => {
    if (!picked) return;
    setError(null);
    setBusy(true);
    try {
      await trainer().exportIteration(project.id!, iteration.id!, {
        platform: picked.platform,
        ...(picked.flavor ? { flavor: picked.flavor } : {}),
      });
      // Polls until this export is no longer in progress, so "Download" appears as soon as the file is ready.
      while (!stop.current.signal.aborted) {
        const list = await trainer().getExports(project.id!, iteration.id!, { signal: stop.current.signal });
        setExports(list);
        if (list.find((e) => same(e, picked))?.status !== 'Exporting') break;
        await pause(1000, stop.current.signal);
      }
    } catch (e) {
      if (!stop.current.signal.aborted) setError(describeError(e));
    } finally {
      setBusy(false);
    }
  };
  const exporting = busy || current?.status === 'Exporting';

  return (
    <Dialog
      title="Choose your platform"
      onClose={onClose}
      wide
      footer={
        <>
          <button type="button" onClick={onClose}>
            Close
          </button>
          {!exporting && current?.status === 'Done' && current.downloadUri ? (
            <a class="button primary" href={current.downloadUri} download>
              Download
            </a>
          ) : (
            <button type="button" class="primary" disabled={!picked || exporting} onClick={() => void start()}>
              {exporting ? 'Exporting…' : 'Export'}
            </button>
          )}
        </>
      }
    >
      {offered.length === 0 ? <p>This iteration cannot be exported: train it with a compact domain.</p> : null}
      <div class="platforms" role="radiogroup" aria-label="Platform">
        {offered.map((c) => {
          const done = exports.find((e) => same(e, c));
          return (
            <label key={c.label} class={picked === c ? 'platform active' : 'platform'}>
              <input type="radio" name="platform" checked={picked === c} onChange={() => setPicked(c)} />
              <strong>{c.label}</strong>
              <span class="muted small">{c.detail}</span>
              {done ? <span class={`status status-${(done.status ?? '').toLowerCase()}`}>{done.status}</span> : null}
            </label>
          );
        })}
      </div>
      {exporting ? (
        <p role="status">
          <span class="spinner" aria-hidden="true" /> Exporting {picked?.label}…
          <progress aria-label="Export progress" />
        </p>
      ) : null}
      {!exporting && current?.status === 'Failed' ? (
        <ErrorText text={`The ${picked?.label} export failed. Try again, or pick another platform.`} />
      ) : null}
      {!exporting && current?.status === 'Done' ? (
        <p role="status">{picked?.label} export is ready: Download.</p>
      ) : null}
      {error ? <ErrorText text={error} /> : null}
    </Dialog>
  );
}

import { type IterationDialogProps, isDetection } from '../project-state.ts';
import { keys } from '../session.ts';
import { CopyField } from '../ui/copy.tsx';
import { Dialog } from '../ui/dialog.tsx';

/** The two Prediction API URLs of a published iteration with the headers a client sends, as Custom Vision shows them. */
export function PredictionUrlDialog({ project, iteration, onClose }: IterationDialogProps) {
  const verb = isDetection(project) ? 'detect' : 'classify';
  const base = `${location.origin}/customvision/v3.0/Prediction/${project.id}/${verb}/iterations/${encodeURIComponent(iteration.publishName ?? '')}`;
  const key = keys.value?.predictionKey ?? '<Prediction-Key>';
  const urlCurl = `curl -X POST "${base}/url" \\\n  -H "Prediction-Key: ${key}" \\\n  -H "Content-Type: application/json" \\\n  -d '{"Url": "https://example.com/image.jpg"}'`;
  const fileCurl = `curl -X POST "${base}/image" \\\n  -H "Prediction-Key: ${key}" \\\n  -H "Content-Type: application/octet-stream" \\\n  --data-binary @image.jpg`;
  return (
    <Dialog
      title="How to use the Prediction API"
      onClose={onClose}
      wide
      footer={
        <button type="button" class="primary" onClick={onClose}>
          Got it!
        </button>
      }
    >
      <h3>If you have an image URL:</h3>
      <CopyField label="Image URL endpoint" value={`${base}/url`} />
      <p class="small">
        Set <code>Prediction-Key</code> Header to: <code>{key}</code>
        <br />
        Set <code>Content-Type</code> Header to: <code>application/json</code>
        <br />
        Set Body to: <code>{'{"Url": "https://example.com/image.png"}'}</code>
      </p>
      <CopyField label="curl (image URL)" value={urlCurl} multiline />
      <h3>If you have an image file:</h3>
      <CopyField label="Image file endpoint" value={`${base}/image`} />
      <p class="small">
        Set <code>Prediction-Key</code> Header to: <code>{key}</code>
        <br />
        Set <code>Content-Type</code> Header to: <code>application/octet-stream</code>
        <br />
        Set Body to: <code>&lt;image file&gt;</code>
      </p>
      <CopyField label="curl (image file)" value={fileCurl} multiline />
    </Dialog>
  );
}

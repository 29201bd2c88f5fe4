import { type DatasetKind, type FormatName, formatNames, formats } from '@cvkit/cli/formats';
import { RadioGroup } from './radio-group.tsx';

const labels: Record<FormatName, string> = {
  coco: 'COCO (JSON)',
  yolo: 'YOLO (one text file per image)',
  voc: 'Pascal VOC (one XML file per image)',
  csv: 'CSV (file and tags)',
  folders: 'Folders (one per tag)',
};

/** The dataset formats that fit the project's kind, the first picked by default. */
export const formatsFor = (kind: DatasetKind) => formatNames.filter((n) => formats[n].kind === kind);

/** Dataset Format radio buttons, and what the chosen one cannot carry. */
export function FormatChoice(props: { kind: DatasetKind; value: FormatName; onChange: (f: FormatName) => void }) {
  const lost = formats[props.value].cannotCarry;
  return (
    <>
      <RadioGroup
        legend="Dataset format"
        name="dataset-format"
        choices={formatsFor(props.kind).map((value) => ({ value, label: labels[value] }))}
        value={props.value}
        onChange={props.onChange}
      />
      {lost.length ? <p class="muted small">This format cannot carry: {lost.join('; ')}.</p> : null}
    </>
  );
}

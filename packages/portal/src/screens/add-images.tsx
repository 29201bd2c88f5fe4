import { useState } from 'preact/hooks';
import { describeStatus, fromDrop, fromInput, type PickedFile } from '../files.ts';
import { ensureTag, type Project, reloadTags } from '../project-state.ts';
import { describeError, trainer } from '../session.ts';
import { Dialog, ErrorText } from '../ui/dialog.tsx';
import { FolderPicker } from '../ui/folder-picker.tsx';
import { isNegativeName, TagPicker } from '../ui/tag-picker.tsx';

interface Problem {
  name: string;
  reason: string;
}

export function AddImagesDialog({
  project,
  onClose,
  onImportDataset,
}: {
  project: Project;
  onClose: () => void;
  /** "Import dataset": labelled images in a dataset format instead. */
  onImportDataset: () => void;
}) {
  const projectId = project.id!;
  const multiclass = project.settings.classificationType !== 'Multilabel';
  const [files, setFiles] = useState<PickedFile[]>([]);
  const [myTags, setMyTags] = useState<string[]>([]);
  const [byFolder, setByFolder] = useState(true);
  const [phase, setPhase] = useState<'choose' | 'uploading' | 'done'>('choose');
  const [progress, setProgress] = useState({ done: 0, total: 0 });
  const [problems, setProblems] = useState<Problem[]>([]);
  const [uploaded, setUploaded] = useState({ added: 0, duplicates: 0 });
  const [error, setError] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);

  const good = files.filter((f) => !f.problem);
  const local = files.filter((f) => f.problem);
  const folders = [...new Set(good.map((f) => f.folder).filter((f): f is string => Boolean(f)))].sort();
  const folderTags = folders.length > 1 && byFolder;

  const add = (picked: PickedFile[]) => {
    const all = [...files, ...picked];
    setFiles(all);
    const named = [...new Set(all.filter((f) => !f.problem && f.folder).map((f) => f.folder!))];
    // One folder: its name is the proposed tag (Custom Vision's workshop folders are named after their tags).
    if (named.length === 1 && myTags.length === 0) setMyTags([named[0]!]);
  };

  const upload = async () => {
    setPhase('uploading');
    setError(null);
    const found: Problem[] = local.map((f) => ({ name: f.file.name, reason: f.problem! }));
    setProblems(found);
    setProgress({ done: 0, total: good.length });
    try {
      const common = folderTags && multiclass ? [] : myTags;
      const commonIds = await Promise.all(common.map((n) => ensureTag(projectId, n, isNegativeName(n))));
      const folderIds = new Map<string, string>();
      if (folderTags) for (const f of folders) folderIds.set(f, (await ensureTag(projectId, f)).id!);
      const summary = await trainer().uploadImages(
        projectId,
        good.map((f) => ({
          image: f.file,
          name: f.file.name,
          ...(folderTags && f.folder ? { tagIds: [folderIds.get(f.folder)!] } : {}),
        })),
        {
          tagIds: commonIds.map((t) => t.id!),
          batchSize: 8,
          onProgress: (p) => setProgress({ done: p.done, total: good.length }),
        },
      );
      let added = 0;
      let duplicates = 0;
      for (const r of summary.images) {
        if (r.status === 'OK') added++;
        else if (r.status === 'OKDuplicate') duplicates++;
        // Multipart uploads report the part's filename as sent, in quotes (as Azure does).
        else
          found.push({
            name: (r.sourceUrl ?? '?').replace(/^"(.*)"$/, '$1'),
            reason: r.message ?? describeStatus(r.status),
          });
      }
      setUploaded({ added, duplicates });
      setProblems([...found]);
      setPhase('done');
    } catch (e) {
      setError(`The upload stopped: ${describeError(e)} Images sent before this are kept.`);
      setPhase('done');
    }
    await reloadTags().catch(() => undefined);
  };

  const n = good.length;
  const footer =
    phase === 'done' ? (
      <button type="button" class="primary" onClick={onClose}>
        Done
      </button>
    ) : (
      <>
        <button type="button" onClick={onClose} disabled={phase === 'uploading'}>
          Cancel
        </button>
        <button type="submit" class="primary" disabled={n === 0 || phase === 'uploading'}>
          Upload {n} file{n === 1 ? '' : 's'}
        </button>
      </>
    );

  return (
    <Dialog title="Image upload" onClose={onClose} onSubmit={upload} footer={footer} busy={phase === 'uploading'} wide>
      {phase === 'choose' ? (
        <>
          {/* biome-ignore lint/a11y/noStaticElementInteractions: a drop target only; keyboards use the Browse buttons inside it */}
          <div
            class={dragging ? 'drop-zone dragging' : 'drop-zone'}
            onDragOver={(e) => {
              e.preventDefault();
              setDragging(true);
            }}
            onDragLeave={() => setDragging(false)}
            onDrop={(e) => {
              e.preventDefault();
              setDragging(false);
              if (e.dataTransfer) void fromDrop(e.dataTransfer).then(add);
            }}
          >
            <p>Drop images or folders here, or</p>
            <div class="row">
              <label class="button">
                Browse local files
                <input
                  type="file"
                  multiple
                  accept="image/jpeg,image/png,image/bmp,image/gif"
                  class="visually-hidden"
                  onChange={(e) => {
                    const input = e.currentTarget;
                    if (input.files) void fromInput(input.files).then(add);
                    input.value = '';
                  }}
                />
              </label>
              <FolderPicker label="Browse a folder" onPick={(files) => void fromInput(files).then(add)} />
            </div>
            <p class="muted small">JPEG, PNG, BMP or GIF, up to 6 MB each.</p>
          </div>
          <p class="muted small">
            Labelled images from another tool (COCO, YOLO, Pascal VOC, CSV or folders)?{' '}
            <button type="button" class="link" onClick={onImportDataset}>
              Import dataset
            </button>
          </p>
          {files.length > 0 ? (
            <p aria-live="polite">
              {n} image{n === 1 ? '' : 's'} ready
              {local.length ? `, ${local.length} cannot be uploaded (listed below)` : ''}.{' '}
              <button type="button" class="link" onClick={() => setFiles([])}>
                Clear
              </button>
            </p>
          ) : null}
          {folders.length > 1 ? (
            <label class="choice">
              <input type="checkbox" checked={byFolder} onChange={(e) => setByFolder(e.currentTarget.checked)} />
              <span>Tag each image with its folder's name ({folders.join(', ')})</span>
            </label>
          ) : null}
          <TagPicker value={myTags} onChange={setMyTags} single={multiclass} disabled={folderTags && multiclass} />
          {local.length > 0 ? (
            <ProblemList problems={local.map((f) => ({ name: f.file.name, reason: f.problem! }))} />
          ) : null}
        </>
      ) : (
        <>
          <label>
            {phase === 'uploading' ? 'Uploading…' : 'Upload finished'}
            <progress max={Math.max(progress.total, 1)} value={progress.done} />
          </label>
          <p aria-live="polite">
            {phase === 'uploading'
              ? `${progress.done} of ${progress.total} files sent`
              : `${uploaded.added} image${uploaded.added === 1 ? '' : 's'} added${
                  uploaded.duplicates ? `, ${uploaded.duplicates} already in the project` : ''
                }.`}
          </p>
          {problems.length > 0 ? <ProblemList problems={problems} /> : null}
        </>
      )}
      {error ? <ErrorText text={error} /> : null}
    </Dialog>
  );
}

function ProblemList({ problems }: { problems: Problem[] }) {
  return (
    <div class="problems" role="alert">
      <h3>
        {problems.length} file{problems.length === 1 ? '' : 's'} not uploaded
      </h3>
      <ul>
        {problems.map((p, i) => (
          <li key={`${p.name}-${i}`}>
            <strong>{p.name}</strong>: {p.reason}
          </li>
        ))}
      </ul>
    </div>
  );
}

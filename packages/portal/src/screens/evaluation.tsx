import type { TrainingModels } from '@cvkit/sdk';
import { useEffect, useState } from 'preact/hooks';
import type { Iteration, Tag } from '../project-state.ts';
import { trainer } from '../session.ts';
import { percent } from '../ui/format.ts';

type ImagePerformance = TrainingModels.ImagePerformance;

/** Held-out images read for the matrix; enough for any workshop-sized project without paging forever. */
const maxImages = 2048;
const none = '';

function topOf(r: ImagePerformance) {
  return [...(r.predictions ?? [])].sort((a, b) => (b.probability ?? 0) - (a.probability ?? 0))[0];
}

/** Multiclass: the top tag when it clears the threshold, else none. */
function predictedTag(r: ImagePerformance, threshold: number): string {
  const top = topOf(r);
  return top && (top.probability ?? 0) >= threshold ? (top.tagId ?? none) : none;
}

function isWrong(r: ImagePerformance, threshold: number, multiclass: boolean): boolean {
  const actual = new Set((r.tags ?? []).map((t) => t.tagId));
  if (multiclass) return !actual.has(predictedTag(r, threshold));
  const predicted = new Set((r.predictions ?? []).filter((p) => (p.probability ?? 0) >= threshold).map((p) => p.tagId));
  return actual.size !== predicted.size || [...actual].some((t) => !predicted.has(t));
}

/**
 * The cross-validated images of an iteration at the threshold: a confusion matrix (Multiclass) whose cells open
 * their images, and by default the images it got wrong.
 */
export function Evaluation(props: {
  projectId: string;
  iteration: Iteration;
  threshold: number;
  multiclass: boolean;
  tags: Tag[];
}) {
  const { projectId, iteration, threshold, multiclass } = props;
  const [rows, setRows] = useState<ImagePerformance[] | null>(null);
  const [cell, setCell] = useState<{ actual: string; predicted: string } | null>(null);
  useEffect(() => {
    void (async () => {
      const out: ImagePerformance[] = [];
      try {
        for await (const r of trainer().iterateImagePerformances(projectId, iteration.id!)) {
          out.push(r);
          if (out.length >= maxImages) break;
        }
      } finally {
        setRows(out);
      }
    })();
  }, [iteration.id]);
  if (!rows) return null;

  const tagIds = props.tags
    .map((t) => t.id!)
    .filter((id) => rows.some((r) => (r.tags ?? []).some((t) => t.tagId === id)));
  const nameOf = (id: string) => (id === none ? 'None' : (props.tags.find((t) => t.id === id)?.name ?? '?'));
  const actualOf = (r: ImagePerformance) => r.tags?.[0]?.tagId ?? none;
  const inCell = (r: ImagePerformance, a: string, p: string) => actualOf(r) === a && predictedTag(r, threshold) === p;
  const shown = cell
    ? rows.filter((r) => inCell(r, cell.actual, cell.predicted))
    : rows.filter((r) => isWrong(r, threshold, multiclass));
  const columns = [...tagIds, none];

  return (
    <>
      {multiclass && tagIds.length > 0 ? (
        <>
          <h3 id="confusion-title">Confusion matrix</h3>
          <p class="muted small">
            Rows: the image's tag. Columns: the predicted tag at this threshold. A cell opens its images.
          </p>
          <div class="table-wrap">
            <table class="matrix" aria-labelledby="confusion-title">
              <thead>
                <tr>
                  <th scope="col">Actual \ Predicted</th>
                  {columns.map((c) => (
                    <th scope="col" key={c}>
                      {nameOf(c)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {tagIds.map((a) => (
                  <tr key={a}>
                    <th scope="row">{nameOf(a)}</th>
                    {columns.map((p) => {
                      const n = rows.filter((r) => inCell(r, a, p)).length;
                      const chosen = cell?.actual === a && cell.predicted === p;
                      return (
                        <td key={p} class={a === p ? 'hit' : n > 0 ? 'miss' : undefined}>
                          <button
                            type="button"
                            class={chosen ? 'cell active' : 'cell'}
                            aria-pressed={chosen}
                            aria-label={`${n} ${nameOf(a)} image${n === 1 ? '' : 's'} predicted as ${nameOf(p)}`}
                            disabled={n === 0}
                            onClick={() => setCell(chosen ? null : { actual: a, predicted: p })}
                          >
                            {n}
                          </button>
                        </td>
                      );
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
      <h3>
        {cell
          ? `${nameOf(cell.actual)} predicted as ${nameOf(cell.predicted)} (${shown.length})`
          : `Images the iteration got wrong (${shown.length})`}
        {cell ? (
          <>
            {' '}
            <button type="button" class="link" onClick={() => setCell(null)}>
              show the wrong ones
            </button>
          </>
        ) : null}
      </h3>
      {shown.length === 0 ? <p class="muted small">None at this threshold.</p> : null}
      <ul class="image-grid small-grid">
        {shown.map((r) => {
          const top = topOf(r);
          return (
            <li key={r.id} class="thumb">
              <a href={r.imageUri ?? '#'} target="_blank" rel="noreferrer">
                <img
                  src={r.thumbnailUri ?? ''}
                  alt={`Tagged ${(r.tags ?? []).map((t) => t.tagName).join(', ') || 'nothing'}`}
                  loading="lazy"
                />
              </a>
              <span class="thumb-tags">
                {(r.tags ?? []).map((t) => t.tagName).join(', ')} →{' '}
                {top ? `${top.tagName} ${percent(top.probability)}` : '–'}
              </span>
            </li>
          );
        })}
      </ul>
    </>
  );
}

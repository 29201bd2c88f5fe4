import type { Iteration } from '../project-state.ts';

/** Picks one of the project's trained iterations (Quick Test, the smart labeler). */
export function IterationSelect(props: {
  iterations: Iteration[];
  value: string | undefined;
  onChange: (id: string) => void;
}) {
  return (
    <label>
      Iteration
      <select
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value)}
        disabled={props.iterations.length === 0}
      >
        {props.iterations.map((i) => (
          <option key={i.id} value={i.id}>
            {i.name}
          </option>
        ))}
      </select>
    </label>
  );
}

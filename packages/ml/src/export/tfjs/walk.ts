/** Walking a TF.js GraphDef from an output back to its inputs. */
import { InvalidBackboneError, UnsupportedOpError } from '../errors.ts';
import { parseInputRef, type TfjsNodeDef } from './graph-def.ts';

/**
 * `values[target]`, computing `convert(node)` for `target` and every node it depends on first, each once (results
 * are kept in `values`). Iterative, since graphs are deep; control inputs and a Placeholder's inputs are not followed.
 */
export function convertInPostOrder<V>(
  nodesByName: ReadonlyMap<string, TfjsNodeDef>,
  target: string,
  values: Map<string, V>,
  convert: (node: TfjsNodeDef) => V,
): V {
  const stack: { name: string; expanded: boolean }[] = [{ name: target, expanded: false }];
  const onPath = new Set<string>();
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (values.has(top.name)) {
      stack.pop();
      continue;
    }
    const node = nodesByName.get(top.name);
    if (!node) throw new InvalidBackboneError(`graph has no node '${top.name}'`);
    if (!top.expanded) {
      top.expanded = true;
      onPath.add(top.name);
      if (node.op === 'Placeholder') continue;
      for (const input of node.input ?? []) {
        const ref = parseInputRef(input);
        if (ref.control) continue;
        if (onPath.has(ref.node)) throw new InvalidBackboneError(`graph has a cycle through '${ref.node}'`);
        if (!values.has(ref.node)) stack.push({ name: ref.node, expanded: false });
      }
      continue;
    }
    stack.pop();
    onPath.delete(top.name);
    values.set(top.name, convert(node));
  }
  return values.get(target)!;
}

/** The converted values of a node's data inputs (control inputs left out); each must read its node's first output. */
export function dataInputValues<V>(node: TfjsNodeDef, values: ReadonlyMap<string, V>): V[] {
  return (node.input ?? [])
    .map(parseInputRef)
    .filter((ref) => !ref.control)
    .map((ref) => {
      if (ref.outputIndex !== 0) {
        throw new UnsupportedOpError(node.op, node.name, `reads output ${ref.outputIndex} of '${ref.node}'`);
      }
      return values.get(ref.node)!;
    });
}

/** Locating the part of a TF.js graph an export keeps: the feature node's ancestors and their input. */
import { InvalidBackboneError } from '../errors.ts';
import { parseInputRef, type TfjsGraphDef } from './graph-def.ts';

/** Names of the nodes `target` depends on (itself included), through data and control inputs. */
export function ancestors(graph: TfjsGraphDef, target: string): Set<string> {
  const byName = new Map(graph.node.map((n) => [n.name, n]));
  if (!byName.has(target)) throw new InvalidBackboneError(`graph has no node '${target}'`);
  const kept = new Set<string>();
  const stack = [target];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (kept.has(name)) continue;
    const node = byName.get(name);
    if (!node) throw new InvalidBackboneError(`graph references a missing node '${name}'`);
    kept.add(name);
    for (const input of node.input ?? []) stack.push(parseInputRef(input).node);
  }
  return kept;
}

/**
 * The image Placeholder feeding `featureNode`: `inputNode` when given (checked), else the only
 * Placeholder among the feature node's ancestors.
 */
export function resolveInputNode(graph: TfjsGraphDef, featureNode: string, inputNode?: string): string {
  const kept = ancestors(graph, featureNode);
  const placeholders = graph.node.filter((n) => n.op === 'Placeholder' && kept.has(n.name)).map((n) => n.name);
  if (inputNode !== undefined) {
    if (!placeholders.includes(inputNode)) {
      throw new InvalidBackboneError(`'${inputNode}' is not a Placeholder feeding '${featureNode}'`);
    }
    return inputNode;
  }
  if (placeholders.length !== 1) {
    throw new InvalidBackboneError(
      `'${featureNode}' depends on ${placeholders.length} Placeholders (${placeholders.join(', ')}): name inputNode`,
    );
  }
  return placeholders[0]!;
}

/**
 * Reads a TensorFlow GraphDef with the independent test-side protobuf reader (field numbers from TensorFlow's
 * graph.proto, node_def.proto, attr_value.proto, tensor.proto): node names, ops, inputs, and the attributes the
 * tests check.
 */
import { type Field, messages, readFields, strings, varints } from './protobuf-reader.ts';

export interface GraphDefNode {
  name: string;
  op: string;
  inputs: string[];
  attrs: Map<string, Field[]>;
}

export function readGraphDef(bytes: Uint8Array): GraphDefNode[] {
  return messages(readFields(bytes), 1).map((node) => {
    const attrs = new Map<string, Field[]>();
    for (const entry of messages(node, 5)) attrs.set(strings(entry, 1)[0]!, messages(entry, 2)[0] ?? []);
    return { name: strings(node, 1)[0]!, op: strings(node, 2)[0]!, inputs: strings(node, 3), attrs };
  });
}

/** AttrValue.type (field 6). */
export function attrType(attr: Field[] | undefined): number | undefined {
  const v = attr && varints(attr, 6)[0];
  return v === undefined ? undefined : Number(v);
}

/** AttrValue.shape (field 7) → dims, int64 as signed. */
export function attrShape(attr: Field[] | undefined): number[] | undefined {
  const shape = attr && messages(attr, 7)[0];
  if (!shape) return undefined;
  return messages(shape, 2).map((dim) => Number(BigInt.asIntN(64, varints(dim, 1)[0] ?? 0n)));
}

/** AttrValue.tensor (field 8) → dtype and tensor_content length. */
export function attrTensor(
  attr: Field[] | undefined,
): { dtype: number; shape: number[]; contentBytes: number } | undefined {
  const tensor = attr && messages(attr, 8)[0];
  if (!tensor) return undefined;
  const shape = messages(tensor, 2)[0] ?? [];
  return {
    dtype: Number(varints(tensor, 1)[0] ?? 0n),
    shape: messages(shape, 2).map((dim) => Number(BigInt.asIntN(64, varints(dim, 1)[0] ?? 0n))),
    contentBytes: tensor.find((f) => f.field === 4)?.bytes?.length ?? 0,
  };
}

/** Microsoft's TensorFlow sample takes as outputs the nodes that no node reads. */
export function sinkNodes(nodes: GraphDefNode[]): string[] {
  const read = new Set(nodes.flatMap((n) => n.inputs.map((i) => i.replace(/^\^/, '').split(':')[0]!)));
  return nodes.filter((n) => !read.has(n.name)).map((n) => n.name);
}

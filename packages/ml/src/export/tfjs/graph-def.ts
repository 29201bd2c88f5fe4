/**
 * The TF.js graph-model format as found in `model.json`: a TensorFlow GraphDef in protobuf's JSON
 * mapping (`modelTopology`), and the weights manifest. Only what the export layer reads or writes.
 *
 * JSON-mapping quirks worth knowing: `s` (and `list.s`) values are base64; int64 values (`i`,
 * `list.i`, shape `size`) are strings; a node input is `name`, `name:k` (k-th output) or `^name`
 * (control dependency).
 */
import { InvalidBackboneError } from '../errors.ts';

export interface TfjsTensorShape {
  dim?: { size: string | number }[];
  unknownRank?: boolean;
}

export interface TfjsAttrValue {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  shape?: TfjsTensorShape;
  tensor?: { dtype?: string; tensorShape?: TfjsTensorShape };
  list?: {
    s?: string[];
    i?: (string | number)[];
    f?: number[];
    b?: boolean[];
    type?: string[];
    shape?: TfjsTensorShape[];
  };
}

export interface TfjsNodeDef {
  name: string;
  op: string;
  input?: string[];
  device?: string;
  attr?: Record<string, TfjsAttrValue>;
}

export interface TfjsGraphDef {
  node: TfjsNodeDef[];
  versions?: Record<string, unknown>;
  library?: unknown;
}

/** A weights-manifest entry (tf.io.WeightsManifestEntry, loosened to what we use). */
export interface TfjsWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; min?: number; scale?: number; original_dtype?: string };
  group?: string;
}

/** The parts of tf.io.ModelArtifacts a graph model is made of; a ModelArtifacts object fits. */
export interface TfjsGraphArtifacts {
  modelTopology?: unknown;
  weightSpecs?: readonly TfjsWeightSpec[];
  weightData?: ArrayBuffer | ArrayBuffer[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  userDefinedMetadata?: Record<string, unknown>;
}

/** Validates that `artifacts.modelTopology` is a GraphDef (not a Keras layers topology). */
export function graphDefOf(artifacts: TfjsGraphArtifacts): TfjsGraphDef {
  const topology = artifacts.modelTopology as Partial<TfjsGraphDef> | undefined;
  if (!topology || typeof topology !== 'object' || !Array.isArray(topology.node)) {
    throw new InvalidBackboneError('modelTopology is not a TF.js graph model (no node list)');
  }
  for (const node of topology.node) {
    if (typeof node?.name !== 'string' || typeof node.op !== 'string') {
      throw new InvalidBackboneError('modelTopology has a node without name or op');
    }
  }
  return topology as TfjsGraphDef;
}

export interface NodeInputRef {
  node: string;
  outputIndex: number;
  control: boolean;
}

export function parseInputRef(input: string): NodeInputRef {
  if (input.startsWith('^')) return { node: input.slice(1), outputIndex: 0, control: true };
  const match = /^(.*):(\d+)$/.exec(input);
  if (match) return { node: match[1]!, outputIndex: Number(match[2]), control: false };
  return { node: input, outputIndex: 0, control: false };
}

const textDecoder = new TextDecoder();

export function decodeBase64String(value: string): string {
  return textDecoder.decode(Buffer.from(value, 'base64'));
}

export function encodeBase64String(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64');
}

/** Typed readers for a node's attributes; they throw InvalidBackboneError naming the node. */
export class NodeAttrs {
  constructor(readonly node: TfjsNodeDef) {}

  private get(name: string): TfjsAttrValue | undefined {
    return this.node.attr?.[name];
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  private missing(name: string, kind: string): never {
    throw new InvalidBackboneError(`node '${this.node.name}' (${this.node.op}): attribute ${name} (${kind}) missing`);
  }

  string(name: string, fallback?: string): string {
    const v = this.get(name)?.s;
    if (v === undefined) return fallback ?? this.missing(name, 'string');
    return decodeBase64String(v);
  }

  strings(name: string): string[] {
    return (this.get(name)?.list?.s ?? []).map(decodeBase64String);
  }

  int(name: string, fallback?: number): number {
    const v = this.get(name)?.i;
    if (v === undefined) return fallback ?? this.missing(name, 'int');
    return Number(v);
  }

  ints(name: string, fallback?: number[]): number[] {
    const v = this.get(name)?.list?.i;
    if (v === undefined) return fallback ?? this.missing(name, 'int list');
    return v.map(Number);
  }

  float(name: string, fallback?: number): number {
    const v = this.get(name)?.f;
    if (v === undefined) return fallback ?? this.missing(name, 'float');
    return v;
  }

  bool(name: string, fallback?: boolean): boolean {
    const v = this.get(name)?.b;
    if (v === undefined) return fallback ?? this.missing(name, 'bool');
    return v;
  }

  dtype(name: string, fallback?: string): string {
    const v = this.get(name)?.type;
    if (v === undefined) return fallback ?? this.missing(name, 'type');
    return v;
  }

  /** A shape attribute; -1 for unknown dimensions, undefined for unknown rank. */
  shape(name: string): number[] | undefined {
    const v = this.get(name)?.shape;
    if (!v || v.unknownRank) return undefined;
    return (v.dim ?? []).map((d) => Number(d.size));
  }
}

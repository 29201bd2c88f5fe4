/**
 * Accumulates an ONNX graph (nodes in topological order, initializers, inputs, outputs) and
 * hides the few operators whose signature changed between the opsets we target (10, 12, 13).
 */
import { OnnxEncodingError } from '../errors.ts';
import {
  float32RawData,
  int64RawData,
  type OnnxAttribute,
  OnnxDataType,
  type OnnxGraph,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
} from './onnx-writer.ts';

export class OnnxGraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly usedNames = new Set<string>();
  /** Domains (besides the default one) that nodes used, for the model's opset_import. */
  readonly extraDomains = new Set<string>();

  /** @param opset the default-domain opset version the graph is written for. */
  constructor(readonly opset: number) {}

  /** `base`, or `base_1`, `base_2`… if taken: tensor and node names must be unique. */
  uniqueName(base: string): string {
    let name = base;
    for (let i = 1; this.usedNames.has(name); i++) name = `${base}_${i}`;
    this.usedNames.add(name);
    return name;
  }

  addInput(info: OnnxValueInfo): string {
    if (this.usedNames.has(info.name)) throw new OnnxEncodingError(`graph input ${info.name} clashes with a name`);
    this.usedNames.add(info.name);
    this.inputs.push(info);
    return info.name;
  }

  /** Declares an existing tensor as a graph output. */
  addOutput(info: OnnxValueInfo): void {
    this.outputs.push(info);
  }

  addInitializer(tensor: OnnxTensor): string {
    const name = this.uniqueName(tensor.name);
    this.initializers.push({ ...tensor, name });
    return name;
  }

  floatConst(name: string, dims: readonly number[], values: Float32Array | readonly number[]): string {
    return this.addInitializer({ name, dataType: OnnxDataType.FLOAT, dims, rawData: float32RawData(values) });
  }

  int64Const(name: string, dims: readonly number[], values: readonly number[]): string {
    return this.addInitializer({ name, dataType: OnnxDataType.INT64, dims, rawData: int64RawData(values) });
  }

  stringConst(name: string, dims: readonly number[], values: readonly string[]): string {
    return this.addInitializer({ name, dataType: OnnxDataType.STRING, dims, stringData: values });
  }

  /**
   * Adds a node and returns its output tensor names. `outputs` are base names made unique
   * (unless `exactOutputs`, for graph outputs whose names are part of the contract).
   */
  node(
    opType: string,
    inputs: readonly string[],
    options: {
      name: string;
      outputs?: readonly string[];
      exactOutputs?: boolean;
      attributes?: readonly OnnxAttribute[];
      domain?: string;
    },
  ): string[] {
    const nodeName = this.uniqueName(options.name);
    const outputBases = options.outputs ?? [nodeName];
    const outputs = outputBases.map((o) => {
      if (!options.exactOutputs) return o === nodeName ? o : this.uniqueName(o);
      if (this.usedNames.has(o) && o !== nodeName) throw new OnnxEncodingError(`tensor name ${o} already used`);
      this.usedNames.add(o);
      return o;
    });
    if (options.domain) this.extraDomains.add(options.domain);
    const node: OnnxNode = { opType, name: nodeName, inputs, outputs };
    if (options.attributes) node.attributes = options.attributes;
    if (options.domain) node.domain = options.domain;
    this.nodes.push(node);
    return outputs;
  }

  /** Single-output node. */
  op(
    opType: string,
    inputs: readonly string[],
    name: string,
    attributes?: readonly OnnxAttribute[],
    output?: { name: string; exact?: boolean },
  ): string {
    const options: Parameters<OnnxGraphBuilder['node']>[2] = { name };
    if (attributes) options.attributes = attributes;
    if (output) {
      options.outputs = [output.name];
      options.exactOutputs = output.exact ?? false;
    }
    return this.node(opType, inputs, options)[0]!;
  }

  /** Clip to [min, max]: attributes before opset 11, optional inputs since. */
  clip(x: string, min: number, max: number, name: string): string {
    if (this.opset < 11) {
      return this.op('Clip', [x], name, [
        { name: 'min', kind: 'float', value: min },
        { name: 'max', kind: 'float', value: max },
      ]);
    }
    const lo = this.floatConst(`${name}/min`, [], [min]);
    const hi = this.floatConst(`${name}/max`, [], [max]);
    return this.op('Clip', [x, lo, hi], name);
  }

  /** Squeeze `axes`: an attribute before opset 13, an int64 input since. */
  squeeze(x: string, axes: readonly number[], name: string): string {
    if (this.opset < 13) return this.op('Squeeze', [x], name, [{ name: 'axes', kind: 'ints', value: axes }]);
    const axesTensor = this.int64Const(`${name}/axes`, [axes.length], axes);
    return this.op('Squeeze', [x, axesTensor], name);
  }

  build(name: string, docString?: string): OnnxGraph {
    const graph: OnnxGraph = {
      name,
      nodes: this.nodes,
      initializers: this.initializers,
      inputs: this.inputs,
      outputs: this.outputs,
    };
    if (docString) graph.docString = docString;
    return graph;
  }
}

import { MlError } from '../errors.ts';

/** Errors thrown by the export layer; `code` lets the server map them without matching messages. */
export type ExportErrorCode = 'InvalidBackbone' | 'UnsupportedOp' | 'InvalidHead' | 'InvalidOptions' | 'OnnxEncoding';

export class ExportError extends MlError {
  constructor(
    readonly code: ExportErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ExportError';
  }
}

/** The backbone's graph or weights are missing, malformed or inconsistent. */
export class InvalidBackboneError extends ExportError {
  constructor(message: string) {
    super('InvalidBackbone', message);
    this.name = 'InvalidBackboneError';
  }
}

/** The graph uses an op (or an op variant: attribute, layout) the converter does not translate. */
export class UnsupportedOpError extends ExportError {
  constructor(
    readonly op: string,
    readonly nodeName: string,
    detail?: string,
  ) {
    super('UnsupportedOp', `cannot convert ${op} node '${nodeName}'${detail ? `: ${detail}` : ''}`);
    this.name = 'UnsupportedOpError';
  }
}

/** The classifier head's shapes, values or labels are inconsistent. */
export class InvalidHeadError extends ExportError {
  constructor(message: string) {
    super('InvalidHead', message);
    this.name = 'InvalidHeadError';
  }
}

/** Options such as the flavor or input size are not valid for the requested export. */
export class InvalidExportOptionsError extends ExportError {
  constructor(message: string) {
    super('InvalidOptions', message);
    this.name = 'InvalidExportOptionsError';
  }
}

/** A value cannot be represented in an ONNX protobuf message. */
export class OnnxEncodingError extends ExportError {
  constructor(message: string) {
    super('OnnxEncoding', message);
    this.name = 'OnnxEncodingError';
  }
}

import type { TrainingModels } from '@cvkit/api-types';

/**
 * The domains (base models) Azure Custom Vision offers, with Azure's ids so that projects and scripts that name a
 * domain id keep working (ids, names, types and export platforms from a real GetDomains response).
 * `backbone` says which of cvkit's pretrained networks serves the domain.
 */
export interface DomainEntry {
  id: string;
  name: string;
  type: 'Classification' | 'ObjectDetection';
  exportable: boolean;
  exportablePlatforms: string[];
  backbone: 'compact' | 'general';
  modelInformation: { estimatedModelSizeInMegabytes: number; description: string } | null;
}

const compactPlatforms = ['VAIDK', 'CoreML', 'DockerFile', 'ONNX', 'OpenVino', 'TensorFlow'];
const compactClassifier = {
  estimatedModelSizeInMegabytes: 5,
  description: 'A MobileNetV2-class network small enough to export and run on devices.',
};

export const domainCatalog: readonly DomainEntry[] = [
  general('ee85a74c-405e-4adc-bb47-ffa8ca0c9f31', 'General', 'Classification'),
  general('c151d5b5-dd07-472a-acc8-15d29dea8518', 'Food', 'Classification'),
  general('ca455789-012d-4b50-9fec-5bb63841c793', 'Landmarks', 'Classification'),
  general('b30a91ae-e3c1-4f73-a81e-c270bff27c39', 'Retail', 'Classification'),
  general('45badf75-3591-4f26-a705-45678d3e9f5f', 'Adult', 'Classification'),
  compact('0732100f-1a38-4e49-a514-c9b44c697ab5', 'General (compact)', 'Classification', compactPlatforms),
  compact('8882951b-82cd-4c32-970b-d5f8cb8bf6d7', 'Food (compact)', 'Classification', compactPlatforms),
  compact('b5cfd229-2ac7-4b2b-8d0a-2b0661344894', 'Landmarks (compact)', 'Classification', compactPlatforms),
  compact('6b4faeda-8396-481b-9f8b-177b9fa3097f', 'Retail (compact)', 'Classification', compactPlatforms),
  general('da2e3a8a-40a5-4171-82f4-58522f70fbc1', 'General', 'ObjectDetection'),
  general('1d8ffafe-ec40-4fb2-8f90-72b3b6cecea4', 'Logo', 'ObjectDetection'),
  general('3780a898-81c3-4516-81ae-3a139614e1f3', 'Products on Shelves', 'ObjectDetection'),
  compact('a27d5ca5-bb19-49d8-a70a-fec086c47f5b', 'General (compact)', 'ObjectDetection', [
    'CoreML',
    'DockerFile',
    'ONNX',
    'TensorFlow',
  ]),
  compact('7ec2ac80-887b-48a6-8df9-8b1357765430', 'General (compact) [S1]', 'ObjectDetection', [
    ...compactPlatforms,
    'IVS',
  ]),
];

export const defaultDomainId = 'ee85a74c-405e-4adc-bb47-ffa8ca0c9f31';

export function findDomain(id: string): DomainEntry | undefined {
  const lower = id.toLowerCase();
  return domainCatalog.find((d) => d.id === lower);
}

export function toWireDomain(d: DomainEntry): TrainingModels.Domain {
  return {
    id: d.id,
    name: d.name,
    type: d.type,
    exportable: d.exportable,
    enabled: true,
    exportablePlatforms: d.exportablePlatforms,
    modelInformation: d.modelInformation,
  };
}

function general(id: string, name: string, type: DomainEntry['type']): DomainEntry {
  return { id, name, type, exportable: false, exportablePlatforms: [], backbone: 'general', modelInformation: null };
}

function compact(id: string, name: string, type: DomainEntry['type'], platforms: string[]): DomainEntry {
  return {
    id,
    name,
    type,
    exportable: true,
    exportablePlatforms: platforms,
    backbone: 'compact',
    modelInformation:
      type === 'Classification'
        ? compactClassifier
        : { estimatedModelSizeInMegabytes: 13, description: 'A compact detector for devices.' },
  };
}

/**
 * DockerFile export: a Docker build context serving the classifier with the HTTP API of Custom
 * Vision's exported Linux containers. The model is the TF.js export (exportTfjs) under app/model/,
 * run by a small plain-JavaScript Node app (app/*.js) that preprocesses exactly as the server does.
 *
 * Flavors, with Custom Vision's names: Linux (default) and ARM build the same app (the ARM files
 * say how to build for linux/arm64 or linux/arm/v7); Windows is refused: Windows containers need a
 * Windows host and base image, and nothing here can build or run one to verify it.
 */
import { InvalidExportOptionsError } from '../errors.ts';
import { jsonFile, textFile } from '../package-files.ts';
import { exportTfjs, type TfjsExportOptions } from '../tfjs/export-tfjs.ts';
import type { ExportFile } from '../types.ts';
import { APP_DEPENDENCIES, appSourceFiles } from './app-sources.ts';
import {
  appPackageJson,
  DOCKER_BASE_IMAGE,
  DOCKER_PORT,
  DOCKERIGNORE,
  dockerfile,
  dockerReadme,
  type SupportedDockerFlavor,
} from './docker-texts.ts';

/** Custom Vision's DockerFile flavors; null or undefined means Linux. */
export type DockerFlavor = 'Linux' | 'ARM' | 'Windows';

export interface DockerExportOptions extends TfjsExportOptions {
  flavor?: DockerFlavor | null;
}

/** Where the TF.js export goes inside the package. */
export const DOCKER_MODEL_DIR = 'app/model';

function supportedFlavor(flavor: string | null | undefined): SupportedDockerFlavor {
  if (flavor === null || flavor === undefined || flavor === 'Linux') return 'Linux';
  if (flavor === 'ARM') return 'ARM';
  if (flavor === 'Windows') {
    throw new InvalidExportOptionsError(
      'DockerFile flavor Windows is not supported: a Windows container needs a Windows base image and host, which cvkit cannot build or test; use Linux or ARM',
    );
  }
  throw new InvalidExportOptionsError(`unknown DockerFile flavor '${flavor}' (Linux, ARM)`);
}

/**
 * Dockerfile, .dockerignore, README.md, cvexport.manifest, app/package.json, app/*.js,
 * app/labels.txt and the TF.js export under app/model/.
 */
export async function exportDocker(options: DockerExportOptions): Promise<ExportFile[]> {
  const flavor = supportedFlavor(options.flavor);
  const { flavor: _, ...tfjsOptions } = options;
  const tfjsFiles = await exportTfjs(tfjsOptions);
  // exportTfjs always writes these two.
  const tfjsFile = (path: string) => tfjsFiles.find((f) => f.path === path)!;
  const tfjsManifest = JSON.parse(new TextDecoder().decode(tfjsFile('cvexport.manifest').bytes));
  const size = tfjsManifest.Cvkit.Input.Shape[1] as number;

  // The package's own manifest: Custom Vision's keys pointing into app/, and the TF.js model's
  // input/preprocessing description with the container's facts added.
  const manifest = {
    ...tfjsManifest,
    Platform: 'DockerFile',
    Flavor: flavor,
    ModelFileName: `${DOCKER_MODEL_DIR}/model.json`,
    LabelFileName: 'app/labels.txt',
    MetadataPropsFileName: `${DOCKER_MODEL_DIR}/metadata_properties.json`,
    Cvkit: {
      ...tfjsManifest.Cvkit,
      Docker: {
        BaseImage: DOCKER_BASE_IMAGE,
        Platforms: flavor === 'ARM' ? ['linux/arm64', 'linux/arm/v7'] : ['linux/amd64'],
        Port: DOCKER_PORT,
        Endpoints: ['POST /image', 'POST /url'],
        Runtime: { Node: '>=20.9', Packages: APP_DEPENDENCIES, TfjsBackend: 'wasm' },
        ModelDir: DOCKER_MODEL_DIR,
      },
    },
  };

  return [
    textFile('Dockerfile', dockerfile(flavor)),
    textFile('.dockerignore', DOCKERIGNORE),
    textFile('README.md', dockerReadme(flavor, options.head, options.backbone.name, size)),
    jsonFile('cvexport.manifest', manifest),
    textFile('app/package.json', appPackageJson()),
    ...appSourceFiles(),
    { path: 'app/labels.txt', bytes: tfjsFile('labels.txt').bytes.slice() },
    ...tfjsFiles.map((f) => ({ path: `${DOCKER_MODEL_DIR}/${f.path}`, bytes: f.bytes })),
  ];
}

/** The Dockerfile, app/package.json and README.md of a Docker export. */
import type { LinearHead } from '../types.ts';
import { APP_DEPENDENCIES } from './app-sources.ts';

export type SupportedDockerFlavor = 'Linux' | 'ARM';

export const DOCKER_BASE_IMAGE = 'node:20-slim';
export const DOCKER_PORT = 80;

export function dockerfile(flavor: SupportedDockerFlavor): string {
  const header =
    flavor === 'ARM'
      ? [
          '# Image classifier exported by cvkit (ARM flavor): the same app as the Linux flavor. node:20-slim,',
          '# sharp and the TF.js WebAssembly backend all exist for 64-bit and 32-bit ARM.',
          '#   on an ARM host:      docker build -t model . && docker run -p 80:80 model',
          '#   from an x64 machine: docker buildx build --platform linux/arm64 -t model --load .   (or linux/arm/v7)',
        ]
      : [
          "# Image classifier exported by cvkit, serving Custom Vision's exported-container API on port 80.",
          '#   docker build -t model . && docker run -p 80:80 model',
        ];
  return [
    ...header,
    `FROM ${DOCKER_BASE_IMAGE}`,
    'WORKDIR /app',
    '# Dependencies first: rebuilding after a model change reuses this layer.',
    'COPY app/package.json ./',
    'RUN npm install --omit=dev --no-audit --no-fund && npm cache clean --force',
    'COPY app/ ./',
    `ENV NODE_ENV=production PORT=${DOCKER_PORT}`,
    `EXPOSE ${DOCKER_PORT}`,
    'CMD ["node", "server.js"]',
    '',
  ].join('\n');
}

export function appPackageJson(): string {
  const pkg = {
    name: 'cvkit-exported-classifier',
    version: '1.0.0',
    private: true,
    description: "Image classifier exported by cvkit, served with Custom Vision's exported-container API",
    type: 'module',
    main: 'server.js',
    scripts: { start: 'node server.js' },
    engines: { node: '>=20.9' },
    dependencies: APP_DEPENDENCIES,
  };
  return `${JSON.stringify(pkg, null, 2)}\n`;
}

export const DOCKERIGNORE = 'app/node_modules\nnpm-debug.log\n';

export function dockerReadme(
  flavor: SupportedDockerFlavor,
  head: LinearHead,
  backboneName: string,
  size: number,
): string {
  const build =
    flavor === 'ARM'
      ? [
          '# on an ARM machine (Raspberry Pi OS 64-bit, AWS Graviton, Apple silicon…)',
          'docker build -t model .',
          '# or cross-build on x64 with buildx (QEMU): linux/arm64, or linux/arm/v7 for 32-bit ARM',
          'docker buildx build --platform linux/arm64 -t model --load .',
        ]
      : ['docker build -t model .'];
  return [
    `# Image classifier (Docker, ${flavor}), exported by cvkit`,
    '',
    `- Model: ${backboneName} with a linear ${head.activation} head over ${head.labels.length} tags (\`app/labels.txt\`).`,
    "- Serves the API of Custom Vision's exported Linux containers, from a small Node.js app (`app/server.js`)",
    '  running the TensorFlow.js export in `app/model/` on the TF.js WebAssembly backend.',
    '',
    '## Build and run',
    '',
    '```sh',
    ...build,
    'docker run -p 80:80 model',
    '```',
    '',
    'The app listens on `$PORT` (80). To run it as the unprivileged `node` user:',
    '`docker run -u node -e PORT=8080 -p 80:8080 model`. Without Docker: `cd app && npm install && PORT=8080 node server.js`.',
    '',
    '## Predict',
    '',
    '```sh',
    'curl -X POST http://localhost/image -H "Content-Type: application/octet-stream" --data-binary @photo.jpg',
    'curl -X POST http://localhost/image -F imageData=@photo.jpg',
    'curl -X POST http://localhost/url -H "Content-Type: application/json" -d \'{"url": "https://example.com/photo.jpg"}\'',
    '```',
    '',
    'The same routes answer under `/{project}/…`, `/{project}/…/nostore` and',
    "`/{project}/classify/iterations/{name}/…`, as Custom Vision's containers do. Bodies are limited to 4 MB.",
    '`/url` fetches whatever http(s) URL it is given, as those containers do: keep the port away from untrusted',
    'clients, or they can make the container request addresses on its network.',
    '',
    '```json',
    '{',
    '  "created": "2026-01-01T12:00:00.123000",',
    '  "id": "",',
    '  "iteration": "",',
    '  "predictions": [',
    `    { "boundingBox": null, "probability": 0.98765432, "tagId": "", "tagName": ${JSON.stringify(head.labels[0] ?? 'tag')} }`,
    '  ],',
    '  "project": ""',
    '}',
    '```',
    '',
    "As in Custom Vision's containers: probabilities rounded to 8 decimals, those ≤ 1e-8 left out, predictions in",
    '`labels.txt` order (not sorted), `created` in UTC without a time zone. Unlike them, a bad request answers',
    '400 (413 when too large) with `{"code", "message"}` instead of a 500 with plain text.',
    '',
    '## Preprocessing',
    '',
    'Exactly as the cvkit server prepares images for compact domains, and as `@microsoft/customvision-tfjs` does',
    '(`app/preprocess.js`): apply the EXIF orientation, sRGB without alpha, take the centred square of the shorter side',
    `(offsets not rounded), sample it to ${size}×${size} with TensorFlow's crop_and_resize (bilinear), RGB values 0–255`,
    "(float32, NHWC). The model rescales to its backbone's range itself. `app/model/cvexport.manifest` and",
    '`app/model/metadata_properties.json` describe the input and preprocessing in machine-readable form.',
    '',
    '## Files',
    '',
    '- `Dockerfile`, `.dockerignore`',
    '- `cvexport.manifest`: this package (platform DockerFile, flavor, model and label files).',
    '- `app/package.json`: pinned dependencies (@tensorflow/tfjs, @tensorflow/tfjs-backend-wasm, sharp).',
    '- `app/server.js` (HTTP), `app/model.js` (loads and runs the model), `app/preprocess.js`, `app/multipart.js`,',
    '  `app/response.js` (the JSON answer).',
    '- `app/labels.txt`: tag names, one per line, in output order.',
    '- `app/model/`: the TensorFlow.js export unchanged (model.json, weight shards, labels.txt, cvexport.manifest,',
    '  metadata_properties.json, README.md).',
    '',
  ].join('\n');
}

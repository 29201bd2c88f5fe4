/** Builds the API base URL from an endpoint such as `https://x.cognitiveservices.azure.com/` or a cvkit server URL. */
export function apiBaseUrl(endpoint: string, api: 'training' | 'prediction', apiVersion: string): string {
  if (typeof endpoint !== 'string' || !/^https?:\/\//i.test(endpoint)) {
    throw new TypeError(
      `endpoint must be an http(s) URL such as https://<resource>.cognitiveservices.azure.com or http://localhost:3000, got ${String(endpoint)}`,
    );
  }
  if (!/^v\d+\.\d+(-preview)?$/.test(apiVersion)) {
    throw new TypeError(`apiVersion must look like 'v3.3' or 'v3.4-preview', got ${apiVersion}`);
  }
  return `${endpoint.replace(/\/+$/, '')}/customvision/${apiVersion}/${api}`;
}

export function requireKey(key: unknown, option: string): string {
  if (typeof key !== 'string') throw new TypeError(`${option} is required`);
  return key;
}

// One prediction request as the bench clients send it: the image as the raw body, the key in Prediction-Key.
// node:http with keep-alive rather than fetch: the client shares the server's cores, and undici's fetch cost about
// 2 ms of CPU per 179 KB request there, CPU the server then did not have.
import http from 'node:http';

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function sendImage(url, body, key) {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          'Prediction-Key': key,
          'content-type': 'application/octet-stream',
          'content-length': body.length,
        },
      },
      (res) => {
        res.on('data', () => {});
        res.on('error', reject);
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`predict: ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// One prediction request as the bench clients send it: the image as the raw body, the key in Prediction-Key.
export async function sendImage(url, body, key) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Prediction-Key': key, 'content-type': 'application/octet-stream' },
    body,
  });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`predict: ${res.status}`);
}

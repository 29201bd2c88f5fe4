/**
 * The JSON body of Custom Vision's exported Linux containers (their app/predict.py):
 *
 *   { "created": "2024-05-01T12:00:00.123000", "id": "", "iteration": "",
 *     "predictions": [{ "boundingBox": null, "probability": 0.98765432, "tagId": "", "tagName": "cat" }],
 *     "project": "" }
 *
 * predict.py rounds each probability to 8 decimals and leaves out those not above 1e-8; the
 * predictions stay in labels.txt order (the cloud API sorts them, the containers do not).
 * `created` is Python's datetime.utcnow().isoformat(): microseconds, no time zone. Keys are in
 * Flask's jsonify order (sorted).
 */

function utcNowIsoformat(now) {
  return `${now.toISOString().slice(0, 23)}000`;
}

export function predictionResponse(probabilities, labels, now = new Date()) {
  const predictions = [];
  labels.forEach((tagName, i) => {
    const probability = Math.round(probabilities[i] * 1e8) / 1e8;
    if (probability > 1e-8) predictions.push({ boundingBox: null, probability, tagId: '', tagName });
  });
  return { created: utcNowIsoformat(now), id: '', iteration: '', predictions, project: '' };
}

import type { TrainingModels } from '@cvkit/sdk';
import { boxStyle } from '../box-geometry.ts';
import { percent } from './format.ts';

type Prediction = TrainingModels.Prediction;

/** An image with its predictions: the Tags / Probability table, and boxes for detections. */
export function PredictionView({ src, predictions, alt }: { src: string; predictions: Prediction[]; alt: string }) {
  const sorted = [...predictions].sort((a, b) => (b.probability ?? 0) - (a.probability ?? 0));
  const boxes = sorted.filter((p) => p.boundingBox && (p.probability ?? 0) >= 0.15);
  return (
    <div class="detail">
      <div class="detail-image boxed">
        <div class="box-layer">
          <img src={src} alt={alt} />
          {boxes.map((p, i) => (
            <span key={`${p.tagId}-${i}`} class="box" style={boxStyle(p.boundingBox!)}>
              <span class="box-label">
                {p.tagName} {percent(p.probability)}
              </span>
            </span>
          ))}
        </div>
      </div>
      <div class="detail-side">
        <h3>Predictions</h3>
        <table>
          <thead>
            <tr>
              <th scope="col">Tag</th>
              <th scope="col">Probability</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((p, i) => (
              <tr key={`${p.tagId}-${i}`}>
                <th scope="row">{p.tagName}</th>
                <td>{percent(p.probability)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

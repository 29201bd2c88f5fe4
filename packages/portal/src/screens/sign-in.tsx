import { useEffect, useState } from 'preact/hooks';
import { developmentKeys, signIn, signOutReason } from '../session.ts';
import { ErrorText } from '../ui/dialog.tsx';

export function SignInScreen() {
  const [trainingKey, setTrainingKey] = useState('');
  const [predictionKey, setPredictionKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [prefilled, setPrefilled] = useState(false);

  useEffect(() => {
    void developmentKeys().then((dev) => {
      if (dev.trainingKey) setTrainingKey((k) => k || dev.trainingKey!);
      if (dev.predictionKey) setPredictionKey((k) => k || dev.predictionKey!);
      setPrefilled(Boolean(dev.trainingKey || dev.predictionKey));
    });
  }, []);

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const message = await signIn({ trainingKey: trainingKey.trim(), predictionKey: predictionKey.trim() });
    setBusy(false);
    if (message) setError(message);
  };

  return (
    <main class="sign-in">
      <form class="card sign-in-card" onSubmit={submit} aria-labelledby="sign-in-title">
        <div class="brand brand-large">
          <span class="logo" aria-hidden="true" />
          Custom Vision <span class="brand-sub">· cvkit</span>
        </div>
        <h1 id="sign-in-title">Sign in</h1>
        <p class="muted">Use the keys this server was started with.</p>
        {signOutReason.value && !error ? <p class="notice">{signOutReason.value}</p> : null}
        <label>
          Training key
          <input
            name="trainingKey"
            type="password"
            autoComplete="off"
            required
            value={trainingKey}
            onInput={(e) => setTrainingKey(e.currentTarget.value)}
          />
        </label>
        <label>
          Prediction key
          <input
            name="predictionKey"
            type="password"
            autoComplete="off"
            required
            value={predictionKey}
            onInput={(e) => setPredictionKey(e.currentTarget.value)}
          />
        </label>
        {prefilled ? (
          <p class="muted small">
            This server runs with its well-known development keys; they are filled in. Set CVKIT_TRAINING_KEY and
            CVKIT_PREDICTION_KEY before exposing it.
          </p>
        ) : null}
        {error ? <ErrorText text={error} /> : null}
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}

import { useId, useState } from 'preact/hooks';

/** Copies `text`; falls back to selecting a hidden textarea where the Clipboard API is unavailable (plain http). */
async function copyText(text: string): Promise<void> {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  const area = document.createElement('textarea');
  area.value = text;
  area.setAttribute('readonly', '');
  area.style.position = 'fixed';
  area.style.opacity = '0';
  document.body.append(area);
  area.select();
  document.execCommand('copy');
  area.remove();
}

export function CopyField({ label, value, multiline }: { label: string; value: string; multiline?: boolean }) {
  const [copied, setCopied] = useState(false);
  const id = useId();
  return (
    <div class="copy-field">
      <div class="copy-value">
        <label for={id}>{label}</label>
        {multiline ? <textarea id={id} readOnly rows={5} value={value} /> : <input id={id} readOnly value={value} />}
      </div>
      <button
        type="button"
        aria-label={`Copy ${label}`}
        onClick={() =>
          void copyText(value).then(() => {
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          })
        }
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}

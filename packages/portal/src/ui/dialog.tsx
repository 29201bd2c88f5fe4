import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';

interface DialogProps {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  /** Buttons along the bottom. */
  footer?: ComponentChildren;
  /** Submitting the form (Enter in a field) calls this; without it the dialog has no form. */
  onSubmit?: () => void;
  wide?: boolean;
  /** While true, Escape and the close button do nothing (an upload in flight). */
  busy?: boolean;
}

/**
 * A modal on the browser's own <dialog>: it traps focus, closes on Escape and returns focus to what opened it.
 * Enter in a field submits the form.
 */
export function Dialog({ title, onClose, children, footer, onSubmit, wide, busy }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const busyRef = useRef(busy);
  busyRef.current = busy;
  useEffect(() => {
    const dialog = ref.current!;
    const opener = document.activeElement as HTMLElement | null;
    dialog.showModal();
    const cancel = (e: Event) => {
      e.preventDefault();
      if (!busyRef.current) onClose();
    };
    dialog.addEventListener('cancel', cancel);
    return () => {
      dialog.removeEventListener('cancel', cancel);
      if (dialog.open) dialog.close();
      opener?.focus?.();
    };
  }, []);
  const body = (
    <>
      <header class="dialog-head">
        <h2 id={titleId}>{title}</h2>
        <button type="button" class="icon-button" aria-label="Close" disabled={busy} onClick={onClose}>
          ✕
        </button>
      </header>
      <div class="dialog-body">{children}</div>
      {footer ? <footer class="dialog-foot">{footer}</footer> : null}
    </>
  );
  return (
    <dialog ref={ref} class={wide ? 'dialog wide' : 'dialog'} aria-labelledby={titleId}>
      {onSubmit ? (
        <form
          method="dialog"
          onSubmit={(e) => {
            e.preventDefault();
            onSubmit();
          }}
        >
          {body}
        </form>
      ) : (
        body
      )}
    </dialog>
  );
}

export function ConfirmDialog(props: {
  title: string;
  message: ComponentChildren;
  confirm: string;
  onConfirm: () => Promise<void> | void;
  onClose: () => void;
  error?: string | null;
  busy?: boolean;
}) {
  return (
    <Dialog
      title={props.title}
      onClose={props.onClose}
      onSubmit={() => void props.onConfirm()}
      busy={props.busy}
      footer={
        <>
          <button type="button" onClick={props.onClose} disabled={props.busy}>
            Cancel
          </button>
          <button type="submit" class="danger" disabled={props.busy}>
            {props.confirm}
          </button>
        </>
      }
    >
      <p>{props.message}</p>
      {props.error ? <ErrorText text={props.error} /> : null}
    </Dialog>
  );
}

export function ErrorText({ text }: { text: string }) {
  return (
    <p class="error" role="alert">
      {text}
    </p>
  );
}

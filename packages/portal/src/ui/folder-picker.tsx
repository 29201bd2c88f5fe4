/**
 * A button choosing a whole folder (`webkitdirectory`: each file carries its path inside it). The input is emptied
 * after each choice so that choosing the same folder again is noticed.
 */
export function FolderPicker({ label, onPick }: { label: string; onPick: (files: File[]) => void }) {
  return (
    <label class="button">
      {label}
      <input
        type="file"
        multiple
        class="visually-hidden"
        ref={(el) => el?.setAttribute('webkitdirectory', '')}
        onChange={(e) => {
          const input = e.currentTarget;
          if (input.files) onPick([...input.files]);
          input.value = '';
        }}
      />
    </label>
  );
}

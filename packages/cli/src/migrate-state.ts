/**
 * What `cvkit migrate` has done, kept in a JSON file so that a rerun after an interruption continues where the
 * last one stopped. It is written after every step that changed the destination (atomically: a kill leaves the old
 * or the new file, never half of one). A step that ran but was not recorded is repeated safely: tags and projects
 * are found again by name, and the service answers OKDuplicate for an image it already has.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';

export interface ProjectState {
  name: string;
  /** Set just before CreateProject: when the id is missing on rerun, the project is looked up by this name. */
  creating?: string;
  targetProjectId?: string;
  /** Source tag id → destination tag id. */
  tags: Record<string, string>;
  /** Source image id → destination image id. */
  images: Record<string, string>;
  /** Every image was handled (copied or failed) in a run. */
  complete?: boolean;
  trainedIterationId?: string;
}

export interface MigrationState {
  version: 1;
  source: string;
  target: string;
  projects: Record<string, ProjectState>;
}

export class StateFile {
  private constructor(
    readonly path: string | undefined,
    readonly state: MigrationState,
  ) {}

  /** Loads the state for this pair of endpoints, or starts a new one; refuses a file made for another pair. */
  static async open(path: string | undefined, source: string, target: string): Promise<StateFile> {
    if (!path) return new StateFile(undefined, { version: 1, source, target, projects: {} });
    let raw: string | undefined;
    try {
      raw = await readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (raw === undefined) return new StateFile(path, { version: 1, source, target, projects: {} });
    const state = JSON.parse(raw) as MigrationState;
    if (state.version !== 1 || !state.projects) throw new Error(`${path} is not a cvkit migrate state file.`);
    if (state.source !== source || state.target !== target)
      throw new Error(
        `${path} records a migration from ${state.source} to ${state.target}; use another --state file for this pair.`,
      );
    return new StateFile(path, state);
  }

  project(sourceId: string, name: string): ProjectState {
    this.state.projects[sourceId] ??= { name, tags: {}, images: {} };
    return this.state.projects[sourceId];
  }

  async save(): Promise<void> {
    if (!this.path) return;
    const temporary = `${this.path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(this.state));
    await rename(temporary, this.path);
  }
}

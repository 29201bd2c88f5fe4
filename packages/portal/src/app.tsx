import { route } from './router.ts';
import { ProjectScreen } from './screens/project.tsx';
import { ProjectsScreen } from './screens/projects.tsx';
import { SignInScreen } from './screens/sign-in.tsx';
import { keys, signOut } from './session.ts';

export function App() {
  if (!keys.value) return <SignInScreen />;
  const r = route.value;
  return (
    <>
      <header class="topbar">
        <a class="brand" href="#/">
          <span class="logo" aria-hidden="true" />
          Custom Vision <span class="brand-sub">· cvkit</span>
        </a>
        <nav class="topbar-actions" aria-label="Account">
          <a href="/docs" class="topbar-link">
            API docs
          </a>
          <button type="button" class="topbar-button" onClick={() => signOut()}>
            Sign out
          </button>
        </nav>
      </header>
      <main id="main">
        {r.screen === 'project' ? <ProjectScreen projectId={r.projectId} tab={r.tab} /> : <ProjectsScreen />}
      </main>
    </>
  );
}

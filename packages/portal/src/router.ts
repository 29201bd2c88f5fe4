/** Hash routes (`#/projects/<id>/performance`), so the server serves one page and the API keeps every other path. */
import { signal } from '@preact/signals';

export type Tab = 'training' | 'performance' | 'predictions';
export type Route = { screen: 'projects' } | { screen: 'project'; projectId: string; tab: Tab };

const tabs: readonly Tab[] = ['training', 'performance', 'predictions'];

export function parseRoute(hash: string): Route {
  const [, first, id, tab] = hash.replace(/^#/, '').split('/');
  if (first === 'projects' && id) {
    return { screen: 'project', projectId: id, tab: tabs.includes(tab as Tab) ? (tab as Tab) : 'training' };
  }
  return { screen: 'projects' };
}

export function hrefOf(route: Route): string {
  return route.screen === 'projects' ? '#/' : `#/projects/${route.projectId}/${route.tab}`;
}

export const route = signal<Route>(parseRoute(location.hash));
window.addEventListener('hashchange', () => {
  route.value = parseRoute(location.hash);
});

export function navigate(to: Route): void {
  const href = hrefOf(to);
  if (location.hash !== href) location.hash = href;
  route.value = to;
}

import { create } from 'zustand';

/**
 * The console's pages and their addresses under /console/. One election is in view at a
 * time (`?election=`); the riding view also names its riding (`&riding=`). `receipt` (a
 * voter checking a receipt code) is public: no login.
 */
export const PAGES = [
  'login',
  'overview',
  'ridings',
  'riding',
  'stations',
  'rejections',
  'audit',
  'exports',
  'definition',
  'station-admin',
  'credentials',
  'officials',
  'receipt',
] as const;
export type Page = (typeof PAGES)[number];

export interface Route {
  readonly page: Page;
  readonly election: string | null;
  readonly riding: string | null;
}

const BASE = '/console/';

export function parseRoute(location: { readonly pathname: string; readonly search: string }): Route {
  const name = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length).replace(/\/$/, '') : '';
  const page = (PAGES as readonly string[]).includes(name) ? (name as Page) : 'overview';
  const query = new URLSearchParams(location.search);
  return { page, election: query.get('election'), riding: query.get('riding') };
}

export function routeUrl(route: Route): string {
  const query = new URLSearchParams();
  if (route.election !== null) query.set('election', route.election);
  if (route.riding !== null) query.set('riding', route.riding);
  const q = query.toString();
  return `${BASE}${route.page}${q === '' ? '' : `?${q}`}`;
}

interface RouterState {
  readonly route: Route;
  readonly go: (to: Partial<Route>) => void;
  readonly sync: () => void;
}

export const useRouter = create<RouterState>()((set, get) => ({
  route: parseRoute(window.location),
  go: (to) => {
    const next: Route = { ...get().route, riding: null, ...to };
    window.history.pushState(null, '', routeUrl(next));
    set({ route: next });
    window.scrollTo(0, 0);
  },
  sync: () => {
    set({ route: parseRoute(window.location) });
  },
}));

window.addEventListener('popstate', () => {
  useRouter.getState().sync();
});

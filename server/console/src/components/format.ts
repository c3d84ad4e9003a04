import { currentLanguage } from '../i18n/index.ts';

const locale = () => (currentLanguage() === 'fr' ? 'fr-CA' : 'en-CA');

export const formatInt = (n: number): string => new Intl.NumberFormat(locale()).format(n);
export const formatPercent = (share: number | null, digits = 1): string =>
  share === null || !Number.isFinite(share)
    ? '—'
    : new Intl.NumberFormat(locale(), { style: 'percent', minimumFractionDigits: digits, maximumFractionDigits: digits }).format(share);
export const formatTime = (iso: string | null): string =>
  iso === null ? '—' : new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit', second: '2-digit' }).format(new Date(iso));
export const formatDateTime = (iso: string | null): string =>
  iso === null ? '—' : new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
export const share = (part: number, whole: number): number | null => (whole === 0 ? null : part / whole);
export const formatClock = (iso: string | null): string =>
  iso === null ? '—' : new Intl.DateTimeFormat(locale(), { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));

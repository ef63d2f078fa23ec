import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import { ApiError } from '../api';

/** A server error in the reader's language by its stable code; the server's own (English) words follow as detail. */
export function errorInWords(t: TFunction, e: ApiError): { text: string; detail: string | null } {
  const known = t(`errorCodes.${e.code}`, { defaultValue: '' });
  if (known) return { text: known, detail: e.message && e.message !== known ? e.message : null };
  return { text: e.message || e.code, detail: e.code };
}

export function Badge({ tone, children, testId }: { tone: 'good' | 'warn' | 'bad' | 'info' | 'none'; children: ReactNode; testId?: string }) {
  return (
    <span className={`badge badge-${tone}`} data-testid={testId}>
      {children}
    </span>
  );
}

export function ProgressBar({ value, label, testId }: { value: number; label?: string; testId?: string }) {
  const v = Math.max(0, Math.min(100, Math.round(value)));
  return (
    <div className="progress" role="progressbar" aria-valuenow={v} aria-valuemin={0} aria-valuemax={100} data-testid={testId}>
      <div className="progress-fill" style={{ width: `${v}%` }} />
      <span className="progress-label">{label ?? `${v}%`}</span>
    </div>
  );
}

export function Loading() {
  const { t } = useTranslation();
  return <p className="muted">{t('common.loading')}</p>;
}

/** An API failure in words a person can act on; 403 is a refusal (with the server's reason), not a crash. */
export function ErrorBox({ error, children }: { error: unknown; children?: ReactNode }) {
  const { t } = useTranslation();
  if (!error) return null;
  const e = error instanceof ApiError ? error : null;
  const words = e ? errorInWords(t, e) : null;
  const detail = words?.detail ? (
    <p className="muted small" lang="en" data-testid="error-detail">
      {words.detail}
    </p>
  ) : null;
  if (e?.status === 403) {
    return (
      <div className="alert alert-forbidden" role="alert" data-testid="forbidden">
        <strong>⛔ {t('errors.forbiddenTitle')}</strong>
        <p>{t('errors.forbiddenBody')}</p>
        <p className="small" data-testid="error-text">
          {t('errors.serverSays')}: {words!.text}
        </p>
        {detail}
        {children}
      </div>
    );
  }
  if (e?.status === 404) {
    return (
      <div className="alert alert-warn" role="alert">
        <strong>{t('errors.notFound')}</strong>
        {detail}
      </div>
    );
  }
  return (
    <div className="alert alert-bad" role="alert">
      <strong>{t('errors.failed')}</strong>
      {words ? (
        <>
          <p data-testid="error-text">{words.text}</p>
          {detail}
        </>
      ) : (
        <p className="muted small">{String((error as Error)?.message ?? error)}</p>
      )}
    </div>
  );
}

/** The page for a screen the user's role does not include (the menu hides it; a typed address lands here). */
export function Forbidden() {
  const { t } = useTranslation();
  return (
    <div className="alert alert-forbidden" role="alert" data-testid="forbidden">
      <strong>⛔ {t('errors.forbiddenTitle')}</strong>
      <p>{t('errors.roleMissing')}</p>
    </div>
  );
}

export function Card({ title, children, actions, testId }: { title?: ReactNode; children: ReactNode; actions?: ReactNode; testId?: string }) {
  return (
    <section className="card" data-testid={testId}>
      {(title || actions) && (
        <header className="card-head">
          {title && <h2>{title}</h2>}
          {actions && <div className="card-actions">{actions}</div>}
        </header>
      )}
      {children}
    </section>
  );
}

export function Stat({ label, value, tone = 'none', sub, testId }: { label: ReactNode; value: ReactNode; tone?: 'good' | 'warn' | 'bad' | 'info' | 'none'; sub?: ReactNode; testId?: string }) {
  return (
    <div className={`stat stat-${tone}`} data-testid={testId}>
      <div className="stat-label">{label}</div>
      <div className="stat-value">{value}</div>
      {sub && <div className="stat-sub">{sub}</div>}
    </div>
  );
}

/**
 * A list as a table under its column heads, or one sentence when there is nothing in it: a table of headings over
 * no rows reads as a page that failed to load. With no rows at all (the first load failed) the heads stay, under the
 * page's error.
 */
export function ListTable<T>({ rows, none, testId, head, row }: { rows: T[] | null | undefined; none: ReactNode; testId: string; head: ReactNode[]; row: (item: T) => ReactNode }) {
  if (rows?.length === 0) return <p className="muted">{none}</p>;
  return (
    <table className="table" data-testid={testId}>
      <thead>
        <tr>
          {head.map((h, i) => (
            <th key={i}>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>{rows?.map(row)}</tbody>
    </table>
  );
}

/** Approve and reject for a request that waits on the reader's decision (access and export requests alike). */
export function DecisionButtons({ onDecide }: { onDecide: (approve: boolean) => void }) {
  const { t } = useTranslation();
  return (
    <>
      <button className="btn btn-small btn-primary" onClick={() => onDecide(true)}>
        {t('common.approve')}
      </button>{' '}
      <button className="btn btn-small" onClick={() => onDecide(false)}>
        {t('common.reject')}
      </button>
    </>
  );
}

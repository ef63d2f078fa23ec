import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api } from '../api';
import { useAuth } from '../auth';
import { ErrorBox } from './ui';

/** Ask a unit head for time-limited access to a case or a media outside one's scope. */
export function AccessRequestForm({ caseId, mediaId }: { caseId?: string; mediaId?: string }) {
  const { t } = useTranslation();
  const { can } = useAuth();
  const [purpose, setPurpose] = useState('');
  const [done, setDone] = useState(false);
  const [error, setError] = useState<unknown>(null);
  if (!can('officer', 'reviewer', 'unit_head', 'auditor')) return null;
  if (done)
    return (
      <p className="alert alert-good" data-testid="access-requested">
        ✅ {t('access.sent')} <Link to="/access">{t('access.viewMine')}</Link>
      </p>
    );
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    try {
      await api('/api/v1/access-requests', { body: { ...(caseId ? { caseId } : {}), ...(mediaId ? { mediaId } : {}), purpose: purpose.trim() } });
      setDone(true);
    } catch (err) {
      setError(err);
    }
  };
  return (
    <form className="inline-form" onSubmit={submit} data-testid="access-request-form">
      <label className="grow">
        {t('access.purpose')}
        <input value={purpose} onChange={(e) => setPurpose(e.target.value)} required minLength={2} placeholder={t('access.purposeHint')} />
      </label>
      <button className="btn btn-primary" type="submit">
        {t('access.request')}
      </button>
      <ErrorBox error={error} />
    </form>
  );
}

import { useState, type FormEvent } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { ApiError } from '../api';
import { landingOf, useAuth } from '../auth';
import { setLanguage } from '../i18n';

export function LoginPage() {
  const { t, i18n } = useTranslation();
  const { user, login } = useAuth();
  const navigate = useNavigate();
  const state = useLocation().state as { from?: string; by?: string | null } | null;
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  if (user) return <Navigate to={landingOf(user, state)} replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const u = await login(username.trim(), password);
      navigate(landingOf(u, state), { replace: true });
    } catch (err) {
      setError(err instanceof ApiError && err.status === 401 ? t('login.wrong') : t('login.failed'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div className="login-wrap">
      <form className="login card" onSubmit={submit} data-testid="login-form">
        <h1>{t('app.title')}</h1>
        <p className="muted">{t('login.subtitle')}</p>
        <label>
          {t('login.username')}
          <input name="username" autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />
        </label>
        <label>
          {t('login.password')}
          <input name="password" type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />
        </label>
        {error && (
          <div className="alert alert-bad" role="alert">
            {error}
          </div>
        )}
        <button className="btn btn-primary btn-big" type="submit" disabled={busy}>
          {busy ? t('common.working') : t('login.submit')}
        </button>
        <button type="button" className="btn-link" onClick={() => setLanguage(i18n.language.startsWith('zh') ? 'en' : 'zh-CN')}>
          {i18n.language.startsWith('zh') ? 'English' : '中文'}
        </button>
      </form>
    </div>
  );
}

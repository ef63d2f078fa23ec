import { NavLink, Outlet, useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import type { Role } from '../api';
import { useAuth } from '../auth';
import { setLanguage } from '../i18n';

interface NavItem {
  to: string;
  key: string;
  roles: Role[];
  end?: boolean;
}

/** The menu shows only what the role can do; the API refuses the rest anyway. */
export const NAV: NavItem[] = [
  { to: '/cases', key: 'nav.cases', roles: ['reviewer', 'unit_head', 'admin', 'officer'] },
  { to: '/my-media', key: 'myMedia.nav', roles: ['officer'] },
  { to: '/links', key: 'links.nav', roles: ['reviewer', 'unit_head', 'admin'] },
  { to: '/exports', key: 'nav.exports', roles: ['officer', 'reviewer', 'unit_head', 'admin', 'auditor'] },
  { to: '/access', key: 'nav.access', roles: ['officer', 'reviewer', 'unit_head', 'admin', 'auditor'] },
  { to: '/admin', key: 'nav.coverage', roles: ['admin'], end: true },
  { to: '/admin/uploads', key: 'nav.uploads', roles: ['admin'] },
  { to: '/admin/devices', key: 'nav.devices', roles: ['admin'] },
  { to: '/admin/live', key: 'nav.live', roles: ['admin', 'reviewer', 'unit_head'] },
  { to: '/admin/ops', key: 'nav.ops', roles: ['admin'] },
  { to: '/admin/retention', key: 'nav.retention', roles: ['admin', 'unit_head', 'auditor'] },
  { to: '/audit', key: 'nav.audit', roles: ['admin', 'auditor'] },
];

export function Layout() {
  const { t, i18n } = useTranslation();
  const { user, logout } = useAuth();
  const navigate = useNavigate();
  if (!user) return null;
  const items = NAV.filter((n) => n.roles.includes(user.role));
  return (
    <div className="shell">
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden>
            ◉
          </span>
          {t('app.title')}
        </div>
        <nav className="nav" aria-label={t('nav.label')}>
          {items.map((n) => (
            <NavLink key={n.to} to={n.to} end={n.end} className={({ isActive }) => (isActive ? 'active' : '')}>
              {t(n.key)}
            </NavLink>
          ))}
        </nav>
        <div className="who">
          {/* The person by name, the role once (a name that is the role itself is not repeated). */}
          <span data-testid="current-user">
            {user.displayName}
            {user.displayName !== t(`roles.${user.role}`) && ` · ${t(`roles.${user.role}`)}`}
          </span>
          <button
            className="btn-link"
            onClick={() => setLanguage(i18n.language.startsWith('zh') ? 'en' : 'zh-CN')}
            data-testid="lang-switch"
            title={t('app.switchLanguage')}
          >
            {i18n.language.startsWith('zh') ? 'English' : '中文'}
          </button>
          <button
            className="btn-link"
            onClick={() => {
              void logout().then(() => navigate('/login', { replace: true }));
            }}
          >
            {t('app.logout')}
          </button>
        </div>
      </header>
      <main className="content">
        <Outlet />
      </main>
    </div>
  );
}

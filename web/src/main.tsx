import { StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes, useLocation } from 'react-router';
import './i18n';
import './styles.css';
import type { Role } from './api';
import { AuthProvider, homeOf, useAuth } from './auth';
import { Layout } from './components/Layout';
import { Forbidden } from './components/ui';
import { LoginPage } from './pages/Login';
import { CasesPage } from './pages/Cases';
import { CasePage } from './pages/Case';
import { PlayerPage } from './pages/Player';
import { ExportsPage } from './pages/Exports';
import { AccessPage } from './pages/Access';
import { CoveragePage, CoverageMissingPage } from './pages/Coverage';
import { UploadsPage } from './pages/Uploads';
import { DevicesPage } from './pages/Devices';
import { LivePage } from './pages/Live';
import { OpsPage } from './pages/Ops';
import { RetentionPage } from './pages/Retention';
import { AuditPage } from './pages/Audit';
import { MyMediaPage } from './pages/MyMedia';
import { LinksPage } from './pages/Links';

function RequireLogin({ children }: { children: ReactNode }) {
  const { user, previousUsername } = useAuth();
  const loc = useLocation();
  // `by` says whose page this was, so the next person to sign in is not sent to it (see landingOf).
  if (!user) return <Navigate to="/login" replace state={{ from: loc.pathname + loc.search, by: previousUsername }} />;
  return children;
}

function RequireRole({ roles, children }: { roles: Role[]; children: ReactNode }) {
  const { user } = useAuth();
  if (!user || !roles.includes(user.role)) return <Forbidden />;
  return children;
}

function Home() {
  const { user } = useAuth();
  return <Navigate to={user ? homeOf(user.role) : '/login'} replace />;
}

const ADMIN: Role[] = ['admin'];
const CASE_ROLES: Role[] = ['reviewer', 'unit_head', 'admin', 'officer'];

function App() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireLogin>
            <Layout />
          </RequireLogin>
        }
      >
        <Route index element={<Home />} />
        <Route path="cases" element={<RequireRole roles={CASE_ROLES}><CasesPage /></RequireRole>} />
        <Route path="cases/:caseId" element={<RequireRole roles={CASE_ROLES}><CasePage /></RequireRole>} />
        <Route path="media/:mediaId" element={<PlayerPage />} />
        <Route path="my-media" element={<MyMediaPage />} />
        <Route path="links" element={<RequireRole roles={['admin', 'reviewer', 'unit_head']}><LinksPage /></RequireRole>} />
        <Route path="exports" element={<ExportsPage />} />
        <Route path="access" element={<AccessPage />} />
        <Route path="admin" element={<RequireRole roles={ADMIN}><CoveragePage /></RequireRole>} />
        <Route path="admin/coverage/:rate" element={<RequireRole roles={ADMIN}><CoverageMissingPage /></RequireRole>} />
        <Route path="admin/uploads" element={<RequireRole roles={ADMIN}><UploadsPage /></RequireRole>} />
        <Route path="admin/devices" element={<RequireRole roles={ADMIN}><DevicesPage /></RequireRole>} />
        <Route path="admin/live" element={<RequireRole roles={['admin', 'reviewer', 'unit_head']}><LivePage /></RequireRole>} />
        <Route path="admin/ops" element={<RequireRole roles={ADMIN}><OpsPage /></RequireRole>} />
        <Route path="admin/retention" element={<RequireRole roles={['admin', 'unit_head', 'auditor']}><RetentionPage /></RequireRole>} />
        <Route path="audit" element={<RequireRole roles={['admin', 'auditor']}><AuditPage /></RequireRole>} />
        <Route path="*" element={<Home />} />
      </Route>
    </Routes>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <AuthProvider>
      <BrowserRouter>
        <App />
      </BrowserRouter>
    </AuthProvider>
  </StrictMode>,
);

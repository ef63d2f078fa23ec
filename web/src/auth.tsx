import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, getStoredUser, storeSession, type Role, type User } from './api';

interface AuthState {
  user: User | null;
  login(username: string, password: string): Promise<User>;
  logout(): Promise<void>;
  can(...roles: Role[]): boolean;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(getStoredUser);

  useEffect(() => {
    const onExpired = () => {
      storeSession(null, null);
      setUser(null);
    };
    window.addEventListener('evm:unauthenticated', onExpired);
    return () => window.removeEventListener('evm:unauthenticated', onExpired);
  }, []);

  const login = useCallback(async (username: string, password: string) => {
    const r = await api<{ token: string; user: User }>('/api/v1/auth/login', { body: { username, password } });
    storeSession(r.token, r.user);
    setUser(r.user);
    return r.user;
  }, []);

  const logout = useCallback(async () => {
    await api('/api/v1/auth/logout', { method: 'POST' }).catch(() => undefined);
    storeSession(null, null);
    setUser(null);
  }, []);

  const value = useMemo<AuthState>(() => ({ user, login, logout, can: (...roles) => !!user && roles.includes(user.role) }), [user, login, logout]);
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const a = useContext(AuthContext);
  if (!a) throw new Error('AuthProvider missing');
  return a;
}

/** Where each role starts after logging in. */
export function homeOf(role: Role): string {
  // Admins land where footage arrives (uploads in flight, recent arrivals, deadlines); coverage is one click away.
  if (role === 'admin') return '/admin/uploads';
  if (role === 'auditor') return '/audit';
  return '/cases';
}

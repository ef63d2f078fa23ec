import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { api, getStoredUser, storeSession, type Role, type User } from './api';

interface AuthState {
  user: User | null;
  /** Who was signed in before the session ended in this tab (logout or expiry); null on a fresh visit. */
  previousUsername: string | null;
  login(username: string, password: string): Promise<User>;
  logout(): Promise<void>;
  can(...roles: Role[]): boolean;
}

const AuthContext = createContext<AuthState | null>(null);

export function AuthProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null>(getStoredUser);
  const [previousUsername, setPreviousUsername] = useState<string | null>(null);

  useEffect(() => {
    const onExpired = () => {
      // Several requests in flight all get 401: only the first still finds the stored user, and a later one must not
      // erase whose page this was (the next person would then land on it).
      const previous = getStoredUser()?.username;
      if (previous) setPreviousUsername(previous);
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
    setPreviousUsername(getStoredUser()?.username ?? null);
    storeSession(null, null);
    setUser(null);
  }, []);

  const value = useMemo<AuthState>(
    () => ({ user, previousUsername, login, logout, can: (...roles) => !!user && roles.includes(user.role) }),
    [user, previousUsername, login, logout],
  );
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

/** Where the login form sends someone: back to the page they were sent away from (a shared link, an expired
 * session), unless that page was someone else's: the next person at a shared desk starts on their own start page. */
export function landingOf(user: User, state: { from?: string; by?: string | null } | null): string {
  if (state?.from && (!state.by || state.by === user.username)) return state.from;
  return homeOf(user.role);
}

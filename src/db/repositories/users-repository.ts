import type { Role, UserIdentity } from '../../domain/roles.js';
import type { Sql } from '../db.js';

interface Row {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  role: Role;
  unit_code: string | null;
  officer_number: string | null;
  disabled: boolean;
}

const toIdentity = (r: Row): UserIdentity => ({
  id: r.id,
  username: r.username,
  displayName: r.display_name,
  role: r.role,
  unitCode: r.unit_code?.trim() ?? null,
  officerNumber: r.officer_number?.trim() ?? null,
});

export class UsersRepository {
  constructor(private readonly sql: Sql) {}

  async insert(u: UserIdentity & { passwordHash: string }): Promise<UserIdentity | null> {
    const rows = await this.sql.query<Row>(
      `insert into users (id, username, display_name, password_hash, role, unit_code, officer_number)
       values ($1, $2, $3, $4, $5, $6, $7) on conflict (username) do nothing returning *`,
      [u.id, u.username, u.displayName, u.passwordHash, u.role, u.unitCode, u.officerNumber],
    );
    return rows[0] ? toIdentity(rows[0]) : null;
  }

  async findForLogin(username: string): Promise<{ user: UserIdentity; passwordHash: string } | null> {
    const rows = await this.sql.query<Row>('select * from users where username = $1 and not disabled', [username]);
    return rows[0] ? { user: toIdentity(rows[0]), passwordHash: rows[0].password_hash } : null;
  }

  async findById(id: string): Promise<UserIdentity | null> {
    const rows = await this.sql.query<Row>('select * from users where id = $1', [id]);
    return rows[0] ? toIdentity(rows[0]) : null;
  }

  async list(): Promise<UserIdentity[]> {
    return (await this.sql.query<Row>('select * from users order by username')).map(toIdentity);
  }

  async insertToken(tokenHash: string, userId: string, expiresAt: Date): Promise<void> {
    await this.sql.query('insert into user_tokens (token_hash, user_id, expires_at) values ($1, $2, $3)', [tokenHash, userId, expiresAt]);
  }

  /** The user behind a live token; expired tokens and disabled users authenticate nobody. */
  async findByToken(tokenHash: string): Promise<UserIdentity | null> {
    const rows = await this.sql.query<Row>(
      `select u.* from user_tokens t join users u on u.id = t.user_id
        where t.token_hash = $1 and t.expires_at > now() and not u.disabled`,
      [tokenHash],
    );
    return rows[0] ? toIdentity(rows[0]) : null;
  }

  async deleteToken(tokenHash: string): Promise<void> {
    await this.sql.query('delete from user_tokens where token_hash = $1', [tokenHash]);
  }
}

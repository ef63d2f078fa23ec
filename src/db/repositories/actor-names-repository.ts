import { actorRef } from '../../domain/actors.js';
import type { Sql } from '../db.js';

/** People's display names and devices' names for the actor strings of custody events. */
export class ActorNamesRepository {
  constructor(private readonly sql: Sql) {}

  /** A name for every `user:` and `device:` actor that still has an account; others are left out. */
  async namesOf(actors: Iterable<string>): Promise<Record<string, string>> {
    const usernames = new Set<string>();
    const serials = new Set<string>();
    for (const a of actors) {
      const ref = actorRef(a);
      if (ref.kind === 'user') usernames.add(ref.username);
      else if (ref.kind === 'device') serials.add(ref.serial);
    }
    const names: Record<string, string> = {};
    if (usernames.size) {
      const rows = await this.sql.query<{ username: string; display_name: string }>(
        'select username, display_name from users where username = any($1::text[])',
        [[...usernames]],
      );
      for (const r of rows) names[`user:${r.username}`] = r.display_name;
    }
    if (serials.size) {
      const rows = await this.sql.query<{ serial: string; name: string }>('select serial, name from devices where serial = any($1::text[])', [[...serials]]);
      for (const r of rows) names[`device:${r.serial}`] = r.name;
    }
    return names;
  }
}

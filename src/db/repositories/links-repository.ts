import type { CandidateIncident } from '../../domain/auto-link.js';
import type { Sql } from '../db.js';

export type LinkSource = 'manual' | 'auto' | 'dock';

/** Exactly one of the three: what a media is linked to. */
export type LinkTarget = { caseId: string } | { incidentId: string } | { sessionId: string };

export interface MediaLink {
  id: string;
  mediaId: string;
  caseId: string | null;
  incidentId: string | null;
  sessionId: string | null;
  source: LinkSource;
  reason: string;
  createdBy: string;
  createdAt: string;
  removedAt: string | null;
  removedBy: string | null;
  removedReason: string | null;
}

interface LinkRow {
  id: string;
  media_id: string;
  case_id: string | null;
  incident_id: string | null;
  session_id: string | null;
  source: LinkSource;
  reason: string;
  created_by: string;
  created_at: Date;
  removed_at: Date | null;
  removed_by: string | null;
  removed_reason: string | null;
}

const toLink = (r: LinkRow): MediaLink => ({
  id: r.id,
  mediaId: r.media_id,
  caseId: r.case_id,
  incidentId: r.incident_id,
  sessionId: r.session_id,
  source: r.source,
  reason: r.reason,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  removedAt: r.removed_at?.toISOString() ?? null,
  removedBy: r.removed_by,
  removedReason: r.removed_reason,
});

export type SuggestionStatus = 'open' | 'resolved' | 'superseded';

export interface LinkSuggestion {
  id: string;
  mediaId: string;
  incidentIds: string[];
  status: SuggestionStatus;
  createdAt: string;
  resolvedAt: string | null;
  resolvedBy: string | null;
  chosenIncidentIds: string[] | null;
  reason: string | null;
}

interface SuggestionRow {
  id: string;
  media_id: string;
  incident_ids: string[];
  status: SuggestionStatus;
  created_at: Date;
  resolved_at: Date | null;
  resolved_by: string | null;
  chosen_incident_ids: string[] | null;
  reason: string | null;
}

const toSuggestion = (r: SuggestionRow): LinkSuggestion => ({
  id: r.id,
  mediaId: r.media_id,
  incidentIds: r.incident_ids,
  status: r.status,
  createdAt: r.created_at.toISOString(),
  resolvedAt: r.resolved_at?.toISOString() ?? null,
  resolvedBy: r.resolved_by,
  chosenIncidentIds: r.chosen_incident_ids,
  reason: r.reason,
});

/** Media states whose footage is evidence that may be linked: received intact (rejected files are not). */
export const LINKABLE_STATES = ['stored', 'verified', 'processing', 'ready', 'failed'] as const;
/** States in which automatic matching runs: the bytes were read back and matched (verify succeeded). */
export const AUTO_LINK_STATES = ['verified', 'processing', 'ready', 'failed'] as const;

function targetColumn(t: LinkTarget): { column: 'case_id' | 'incident_id' | 'session_id'; value: string } {
  if ('caseId' in t) return { column: 'case_id', value: t.caseId };
  if ('incidentId' in t) return { column: 'incident_id', value: t.incidentId };
  return { column: 'session_id', value: t.sessionId };
}

/** media_links (never deleted: unlinking closes the row), auto-link bookkeeping and ambiguous-match suggestions. */
export class LinksRepository {
  constructor(private readonly sql: Sql) {}

  /** Serialises link changes of one media within the transaction (manual, automatic and import re-runs). */
  async lockMedia(mediaId: string): Promise<void> {
    await this.sql.query('select pg_advisory_xact_lock(4711003, hashtext($1))', [mediaId]);
  }

  async insert(l: { id: string; mediaId: string; target: LinkTarget; source: LinkSource; reason: string; createdBy: string }): Promise<MediaLink> {
    const t = targetColumn(l.target);
    const rows = await this.sql.query<LinkRow>(
      `insert into media_links (id, media_id, ${t.column}, source, reason, created_by) values ($1, $2, $3, $4, $5, $6) returning *`,
      [l.id, l.mediaId, t.value, l.source, l.reason, l.createdBy],
    );
    return toLink(rows[0]!);
  }

  /** Closes a live link; null when it was already closed. */
  async close(id: string, removedBy: string, reason: string): Promise<MediaLink | null> {
    const rows = await this.sql.query<LinkRow>(
      `update media_links set removed_at = now(), removed_by = $2, removed_reason = $3 where id = $1 and removed_at is null returning *`,
      [id, removedBy, reason],
    );
    return rows[0] ? toLink(rows[0]) : null;
  }

  async findById(id: string): Promise<MediaLink | null> {
    const rows = await this.sql.query<LinkRow>('select * from media_links where id = $1', [id]);
    return rows[0] ? toLink(rows[0]) : null;
  }

  async findLive(mediaId: string, target: LinkTarget): Promise<MediaLink | null> {
    const t = targetColumn(target);
    const rows = await this.sql.query<LinkRow>(`select * from media_links where media_id = $1 and ${t.column} = $2 and removed_at is null`, [mediaId, t.value]);
    return rows[0] ? toLink(rows[0]) : null;
  }

  /** Was a link of this media to this target ever removed? Automatic linking never re-adds what a person removed. */
  async wasRemoved(mediaId: string, target: LinkTarget): Promise<boolean> {
    const t = targetColumn(target);
    const rows = await this.sql.query(`select 1 from media_links where media_id = $1 and ${t.column} = $2 and removed_at is not null limit 1`, [mediaId, t.value]);
    return rows.length > 0;
  }

  async forMedia(mediaId: string, includeRemoved: boolean): Promise<MediaLink[]> {
    const rows = await this.sql.query<LinkRow>(
      `select * from media_links where media_id = $1 and ($2::boolean or removed_at is null) order by created_at, id`,
      [mediaId, includeRemoved],
    );
    return rows.map(toLink);
  }

  // ---- automatic linking ----

  /** Incidents of this officer whose time could overlap [from, to]; the domain rule decides. */
  async candidateIncidents(officerId: string, from: Date, to: Date): Promise<CandidateIncident[]> {
    const rows = await this.sql.query<{ id: string; officer_numbers: string[]; started_at: Date; ended_at: Date }>(
      `select id, officer_numbers, started_at, ended_at from incidents
        where officer_numbers @> array[$1::text] and started_at <= $3 and ended_at >= $2
        order by started_at, id`,
      [officerId, from, to],
    );
    return rows.map((r) => ({ id: r.id, officerNumbers: r.officer_numbers, startedAt: r.started_at.toISOString(), endedAt: r.ended_at.toISOString() }));
  }

  /** Incidents a person already decided this media does not belong to: removed links and dismissed suggestions. */
  async excludedIncidentIds(mediaId: string): Promise<Set<string>> {
    const rows = await this.sql.query<{ incident_id: string }>(
      `select incident_id from media_links where media_id = $1 and incident_id is not null and removed_at is not null
       union
       select x from link_suggestions s, unnest(s.incident_ids) as x
        where s.media_id = $1 and s.status = 'resolved' and not (x = any(coalesce(s.chosen_incident_ids, '{}')))`,
      [mediaId],
    );
    return new Set(rows.map((r) => r.incident_id));
  }

  /** Media of these officers recorded within [from, to], verified: to match again when incidents arrive late. */
  async mediaInWindow(officers: string[], from: Date, to: Date): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      `select id from media
        where officer_id = any($1::text[]) and state = any($4::text[]) and recorded_at is not null and recorded_at <= $3
          and greatest(coalesce(recorded_end, recorded_at + coalesce(duration_sec, 0) * interval '1 second'), recorded_at) >= $2`,
      [officers, from, to, [...AUTO_LINK_STATES]],
    );
    return rows.map((r) => r.id);
  }

  async mediaWithCaseNumbers(caseNumbers: string[]): Promise<string[]> {
    if (!caseNumbers.length) return [];
    const rows = await this.sql.query<{ id: string }>('select id from media where case_number = any($1::text[]) and state = any($2::text[])', [
      caseNumbers,
      [...AUTO_LINK_STATES],
    ]);
    return rows.map((r) => r.id);
  }

  async markAutoLinkChecked(mediaId: string): Promise<void> {
    await this.sql.query('update media set auto_link_checked_at = now() where id = $1', [mediaId]);
  }

  /** True when the media was verified and automatic linking has not run for it yet. */
  async autoLinkOwed(mediaId: string): Promise<boolean> {
    const rows = await this.sql.query<{ owed: boolean }>(
      'select (auto_link_checked_at is null and state = any($2::text[])) as owed from media where id = $1',
      [mediaId, [...AUTO_LINK_STATES]],
    );
    return rows[0]?.owed ?? false;
  }

  /** Verified media whose automatic linking never ran (its job was lost), oldest first: the reconciler re-enqueues them. */
  async owedAutoLinks(limit: number): Promise<string[]> {
    const rows = await this.sql.query<{ id: string }>(
      'select id from media where auto_link_checked_at is null and state = any($1::text[]) order by created_at limit $2',
      [[...AUTO_LINK_STATES], limit],
    );
    return rows.map((r) => r.id);
  }

  // ---- suggestions ----

  async openSuggestion(mediaId: string): Promise<LinkSuggestion | null> {
    const rows = await this.sql.query<SuggestionRow>(`select * from link_suggestions where media_id = $1 and status = 'open'`, [mediaId]);
    return rows[0] ? toSuggestion(rows[0]) : null;
  }

  /** Opens (or refreshes) the one open suggestion of a media; returns whether anything changed. */
  async upsertOpenSuggestion(id: string, mediaId: string, incidentIds: string[]): Promise<boolean> {
    const existing = await this.openSuggestion(mediaId);
    if (existing) {
      if ([...existing.incidentIds].sort().join('\n') === [...incidentIds].sort().join('\n')) return false;
      await this.sql.query(`update link_suggestions set incident_ids = $2 where id = $1`, [existing.id, incidentIds]);
      return true;
    }
    await this.sql.query(`insert into link_suggestions (id, media_id, incident_ids) values ($1, $2, $3)`, [id, mediaId, incidentIds]);
    return true;
  }

  /** The matcher no longer finds an ambiguity (incident corrected, a person linked by hand): close without a choice. */
  async supersedeOpen(mediaId: string): Promise<void> {
    await this.sql.query(`update link_suggestions set status = 'superseded', resolved_at = now(), resolved_by = 'system:auto-link' where media_id = $1 and status = 'open'`, [mediaId]);
  }

  async findSuggestion(id: string): Promise<LinkSuggestion | null> {
    const rows = await this.sql.query<SuggestionRow>('select * from link_suggestions where id = $1', [id]);
    return rows[0] ? toSuggestion(rows[0]) : null;
  }

  async findSuggestionForUpdate(id: string): Promise<LinkSuggestion | null> {
    const rows = await this.sql.query<SuggestionRow>('select * from link_suggestions where id = $1 for update', [id]);
    return rows[0] ? toSuggestion(rows[0]) : null;
  }

  async resolveSuggestion(id: string, by: string, chosen: string[], reason: string): Promise<LinkSuggestion | null> {
    const rows = await this.sql.query<SuggestionRow>(
      `update link_suggestions set status = 'resolved', resolved_at = now(), resolved_by = $2, chosen_incident_ids = $3, reason = $4
        where id = $1 and status = 'open' returning *`,
      [id, by, chosen, reason],
    );
    return rows[0] ? toSuggestion(rows[0]) : null;
  }

  /**
   * Suggestions by status, oldest first; `unitCode` limits them to those with a candidate incident of that unit
   * (what a unit's reviewers and head may decide).
   */
  async listSuggestions(opts: { status: SuggestionStatus; unitCode: string | null; all: boolean; limit: number; offset: number }): Promise<{ items: LinkSuggestion[]; total: number }> {
    const rows = await this.sql.query<SuggestionRow & { total: number }>(
      `select s.*, (count(*) over ())::int as total from link_suggestions s
        where s.status = $1
          and ($2::boolean or exists (select 1 from incidents i where i.id = any(s.incident_ids) and i.unit_code = $3::bpchar))
        order by s.created_at, s.id limit $4 offset $5`,
      [opts.status, opts.all, opts.unitCode, opts.limit, opts.offset],
    );
    return { items: rows.map(toSuggestion), total: rows[0]?.total ?? 0 };
  }
}

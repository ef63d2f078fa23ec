import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { decideAutoLink, searchWindow, type AutoLinkDecision } from '../domain/auto-link.js';
import type { Db } from '../db/db.js';
import { CasesRepository, type Incident } from '../db/repositories/cases-repository.js';
import { AUTO_LINK_STATES, LinksRepository } from '../db/repositories/links-repository.js';
import { MediaRepository } from '../db/repositories/media-repository.js';
import { addLink } from './link-writer.js';

export const AUTO_LINK_ACTOR = 'system:auto-link';

export interface AutoLinkResult {
  mediaId: string;
  /** What the dock's caseNumber did: linked now, was linked already, names no known case (yet), or a person removed it. */
  dock: 'linked' | 'already-linked' | 'unknown-case' | 'removed-by-person' | null;
  decision: AutoLinkDecision;
  /** Incidents linked by this run. */
  linkedIncidentIds: string[];
  /** An ambiguous match was opened or changed for a person to decide. */
  suggestionOpened: boolean;
}

export interface AutoLinkSummary {
  mediaChecked: number;
  linked: number;
  ambiguous: number;
}

/**
 * Files verified footage where it belongs without a person: to the case a dock named (caseNumber), and to the one
 * 110 incident its officer attended at the time (src/domain/auto-link.ts). Runs as the 'link' job after verify, and
 * again for footage already stored whenever incidents or cases arrive later from the case system. Safe to re-run:
 * it adds only what is missing, never re-adds a link a person removed, and leaves ambiguity to a person.
 */
export class AutoLinker {
  private readonly bufferMs: number;

  constructor(private readonly deps: { db: Db; bufferMinutes: number; log?: Logger }) {
    this.bufferMs = deps.bufferMinutes * 60_000;
  }

  async linkMedia(mediaId: string): Promise<AutoLinkResult | null> {
    return this.deps.db.transaction(async (tx) => {
      const links = new LinksRepository(tx);
      await links.lockMedia(mediaId);
      const media = await new MediaRepository(tx).findById(mediaId);
      if (!media || !(AUTO_LINK_STATES as readonly string[]).includes(media.state)) return null;
      const result: AutoLinkResult = { mediaId, dock: null, decision: { kind: 'none', reason: 'no-match' }, linkedIncidentIds: [], suggestionOpened: false };

      if (media.caseNumber) {
        const c = await new CasesRepository(tx).findCaseByNumber(media.caseNumber);
        const target = c ? { caseId: c.id } : null;
        if (!target) result.dock = 'unknown-case';
        else if (await links.findLive(mediaId, target)) result.dock = 'already-linked';
        else if (await links.wasRemoved(mediaId, target)) result.dock = 'removed-by-person';
        else {
          await addLink(tx, { mediaId, target, source: 'dock', reason: `case number ${media.caseNumber} in the dock's metadata`, actor: AUTO_LINK_ACTOR, details: { caseNumber: media.caseNumber } });
          result.dock = 'linked';
        }
      }

      const window = searchWindow(media, this.bufferMs);
      if (!window || !media.officerId) {
        result.decision = decideAutoLink(media, [], this.bufferMs);
      } else {
        const excluded = await links.excludedIncidentIds(mediaId);
        const candidates = (await links.candidateIncidents(media.officerId, window.from, window.to)).filter((i) => !excluded.has(i.id));
        const decision = decideAutoLink(media, candidates, this.bufferMs);
        result.decision = decision;
        if (decision.kind === 'link') {
          if (!(await links.findLive(mediaId, { incidentId: decision.incidentId }))) {
            await addLink(tx, {
              mediaId,
              target: { incidentId: decision.incidentId },
              source: 'auto',
              reason: `officer ${media.officerId} on incident ${decision.incidentId} at the time of recording (±${this.deps.bufferMinutes} min)`,
              actor: AUTO_LINK_ACTOR,
              details: { bufferMinutes: this.deps.bufferMinutes },
            });
            result.linkedIncidentIds.push(decision.incidentId);
          }
          await links.supersedeOpen(mediaId);
        } else if (decision.kind === 'ambiguous') {
          const live = await Promise.all(decision.incidentIds.map((id) => links.findLive(mediaId, { incidentId: id })));
          if (live.every(Boolean)) await links.supersedeOpen(mediaId);
          else result.suggestionOpened = await links.upsertOpenSuggestion(randomUUID(), mediaId, decision.incidentIds);
        } else {
          await links.supersedeOpen(mediaId);
        }
      }
      await links.markAutoLinkChecked(mediaId);
      this.deps.log?.info({ mediaId, dock: result.dock, decision: result.decision.kind, linked: result.linkedIncidentIds }, 'auto-link');
      return result;
    });
  }

  /** Footage already stored that incidents just imported or changed could match (officer and time window). */
  async mediaForIncidents(incidents: Incident[]): Promise<string[]> {
    const ids = new Set<string>();
    const links = new LinksRepository(this.deps.db);
    for (const i of incidents) {
      const from = new Date(Date.parse(i.startedAt) - this.bufferMs);
      const to = new Date(Date.parse(i.endedAt) + this.bufferMs);
      for (const id of await links.mediaInWindow(i.officerNumbers, from, to)) ids.add(id);
    }
    return [...ids];
  }

  /** Footage whose dock named one of these case numbers. */
  async mediaForCases(caseNumbers: string[]): Promise<string[]> {
    return new LinksRepository(this.deps.db).mediaWithCaseNumbers(caseNumbers);
  }

  /** Runs the matcher again for each media (once each), e.g. after incidents or cases arrived late. */
  async linkAll(mediaIds: string[]): Promise<AutoLinkSummary> {
    const summary: AutoLinkSummary = { mediaChecked: 0, linked: 0, ambiguous: 0 };
    for (const id of new Set(mediaIds)) {
      const r = await this.linkMedia(id);
      if (!r) continue;
      summary.mediaChecked++;
      summary.linked += r.linkedIncidentIds.length + (r.dock === 'linked' ? 1 : 0);
      if (r.suggestionOpened) summary.ambiguous++;
    }
    return summary;
  }
}

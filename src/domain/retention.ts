/**
 * How long an original must be kept (现场执法视音频记录工作规定 2016; 讯问录音录像规定 2014). Pure: the facts go in,
 * a decision with its reasons comes out, so every rule and combination is unit-tested and a disposal report can
 * show exactly why each file may or may not go.
 *
 * Principles: the longest applicable rule wins; anything unknown keeps the file; blockers (open case, legal hold,
 * important flag, unclassified) are listed even when a longer rule already keeps the file.
 */

export type Duration = { months: number } | 'permanent';

export interface RetentionPolicy {
  /** Field footage, at least (2016 rules: 6 months). */
  fieldMinimum: { months: number };
  /** Evidence in a case, by case kind; interrogation recordings are kept as long as their case file. */
  caseFile: { criminal: Duration; administrative: Duration };
}

export const DEFAULT_POLICY: RetentionPolicy = {
  fieldMinimum: { months: 6 },
  caseFile: { criminal: 'permanent', administrative: 'permanent' },
};

/** Incident categories whose footage the 2016 rules keep permanently. */
export const PERMANENT_CATEGORIES = ['obstruction', 'major_emergency', 'mass_incident', 'major_complex'] as const;
export type PermanentCategory = (typeof PERMANENT_CATEGORIES)[number];

export interface RetentionFacts {
  kind: 'field' | 'interrogation';
  /** End of recording (or its start, or when it was stored): the retention clock starts here. */
  recordedEnd: Date | null;
  flags: readonly string[];
  /** Officer's classification of field footage; null: never classified. */
  classification: 'routine' | 'evidence' | null;
  cases: ReadonlyArray<{ caseNumber: string; kind: 'criminal' | 'administrative'; status: 'open' | 'under_review' | 'review_completed' | 'closed'; closedAt: Date | null; evidence: boolean }>;
  incidentCategories: readonly PermanentCategory[];
  legalHolds: ReadonlyArray<{ id: string; until: Date | null }>;
  /**
   * Facts the platform knows it does not have yet (a dock named a case number the case system never sent; automatic
   * linking has not run). Unknown means keep: each one keeps the file until it is resolved.
   */
  incomplete?: readonly string[];
}

export type Reason =
  | { rule: 'field-minimum'; until: Date }
  | { rule: 'case-file'; caseNumber: string; until: Date | 'permanent' | 'while-open' }
  | { rule: 'important-flag' }
  | { rule: 'incident-category'; category: PermanentCategory }
  | { rule: 'unclassified' }
  | { rule: 'unknown-recording-time' }
  | { rule: 'evidence-unlinked' }
  | { rule: 'facts-incomplete'; what: string }
  | { rule: 'legal-hold'; holdId: string; until: Date | null };

export type RetentionDecision =
  | { keep: 'permanent'; reasons: Reason[] }
  | { keep: 'until'; until: Date; reasons: Reason[] }
  | { keep: 'no'; eligibleSince: Date; reasons: Reason[] };

export function addMonths(d: Date, months: number): Date {
  const r = new Date(d.getTime());
  const day = r.getUTCDate();
  r.setUTCDate(1);
  r.setUTCMonth(r.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(r.getUTCFullYear(), r.getUTCMonth() + 1, 0)).getUTCDate();
  r.setUTCDate(Math.min(day, lastDay));
  return r;
}

/** Decides retention for one original at time `now`. */
export function decideRetention(f: RetentionFacts, now: Date, policy: RetentionPolicy = DEFAULT_POLICY): RetentionDecision {
  const reasons: Reason[] = [];
  let permanent = false;
  let indefinite = false; // kept with no computable end (open case, unknowns, open-ended hold)
  // Latest end date among the rules that give one (held in an object: TypeScript does not follow closure writes).
  const latest: { until: Date | null } = { until: null };
  const extend = (d: Date) => {
    if (!latest.until || d > latest.until) latest.until = d;
  };

  if (f.flags.includes('important') || f.flags.includes('locked')) {
    reasons.push({ rule: 'important-flag' });
    permanent = true;
  }
  for (const category of f.incidentCategories) {
    reasons.push({ rule: 'incident-category', category });
    permanent = true;
  }
  if (!f.recordedEnd) {
    reasons.push({ rule: 'unknown-recording-time' });
    indefinite = true;
  } else if (f.kind === 'field') {
    const d = addMonths(f.recordedEnd, policy.fieldMinimum.months);
    reasons.push({ rule: 'field-minimum', until: d });
    extend(d);
  }
  if (f.kind === 'field' && f.classification === null && f.cases.length === 0) {
    reasons.push({ rule: 'unclassified' });
    indefinite = true;
  }
  if (f.kind === 'field' && f.classification === 'evidence' && !f.cases.some((c) => c.evidence)) {
    // Classified as evidence but not (yet) in any case: which case file it follows is unknown, so keep it.
    reasons.push({ rule: 'evidence-unlinked' });
    indefinite = true;
  }
  for (const what of f.incomplete ?? []) {
    reasons.push({ rule: 'facts-incomplete', what });
    indefinite = true;
  }
  if (f.kind === 'interrogation' && f.cases.length === 0) {
    // An interrogation recording always belongs to a case file; without one we cannot know how long: keep.
    reasons.push({ rule: 'unclassified' });
    indefinite = true;
  }
  for (const c of f.cases) {
    if (!c.evidence && f.kind === 'field') continue;
    if (c.status !== 'closed' || !c.closedAt) {
      reasons.push({ rule: 'case-file', caseNumber: c.caseNumber, until: 'while-open' });
      indefinite = true;
      continue;
    }
    const period = policy.caseFile[c.kind];
    if (period === 'permanent') {
      reasons.push({ rule: 'case-file', caseNumber: c.caseNumber, until: 'permanent' });
      permanent = true;
    } else {
      const d = addMonths(c.closedAt, period.months);
      reasons.push({ rule: 'case-file', caseNumber: c.caseNumber, until: d });
      extend(d);
    }
  }
  for (const h of f.legalHolds) {
    if (h.until && h.until <= now) continue;
    reasons.push({ rule: 'legal-hold', holdId: h.id, until: h.until });
    if (h.until) extend(h.until);
    else indefinite = true;
  }

  if (permanent) return { keep: 'permanent', reasons };
  if (indefinite) return { keep: 'permanent', reasons };
  if (latest.until && latest.until > now) return { keep: 'until', until: latest.until, reasons };
  return { keep: 'no', eligibleSince: latest.until ?? now, reasons };
}

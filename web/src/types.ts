export type CaseStatus = 'open' | 'under_review' | 'review_completed' | 'closed';

export interface Case {
  id: string;
  caseNumber: string;
  kind: 'administrative' | 'criminal';
  title: string;
  status: CaseStatus;
  unitCode: string;
  unitName: string | null;
  openedAt: string;
  closedAt: string | null;
  reviewCompletedAt: string | null;
  reviewCompletedBy: string | null;
  reviewFinding: string | null;
}

/** A case row of the search: the case plus what a reviewer triages by. */
export interface CaseListItem extends Case {
  suspects: string[];
  sessions: number;
  sessionsUnrecorded: number;
  coverageMin: number | null;
  recordings: number;
  recordingsPending: number;
}

export interface MediaSummary {
  id: string;
  state: string;
  filename: string;
  sha256: string;
  officerId: string | null;
  deviceSerial: string | null;
  recordedAt: string | null;
  recordedEnd: string | null;
  durationSec: number | null;
  flags: string[];
  derivatives: { proxy: boolean; poster: boolean; sprite: boolean };
}

export interface RecordingReview {
  id: string;
  sessionId: string;
  mediaId: string;
  reviewer: string;
  finding: string;
  reviewedAt: string;
  watchedShare?: number | null;
  belowShareReason?: string | null;
}

/** The asking person's watched coverage of a recording (GET /api/v1/media/{id}/watched). */
export interface WatchedSummary {
  share: number;
  countedSec: number;
  playedSec: number;
  durationSec: number;
  minShare: number;
  played?: Array<[number, number]>;
  counted?: Array<[number, number]>;
}

export interface Session {
  id: string;
  externalId: string | null;
  caseId: string;
  suspectName: string | null;
  room: string;
  interrogators: string[];
  interrogatorOfficers?: Array<{ number: string; name: string | null }>;
  kind: 'interrogation' | 'questioning';
  declaredStart: string;
  declaredEnd: string | null;
  recordings: Array<MediaSummary & { review: RecordingReview | null; role?: string; deviceId?: string | null; cameraRole?: 'overview' | 'frontal' | null; watched?: WatchedSummary }>;
}

export interface CaseReview {
  case: Case;
  media: Array<MediaSummary & { marks: number; links: Array<{ linkId: string; via: 'case' | 'incident' | 'session'; targetId: string; source: string; linkedAt: string }> }>;
  sessions: Session[];
  pending: Array<{ kind: string; sessionId: string; mediaId?: string; filename?: string; cameraRole?: 'overview' | 'frontal'; watchedShare?: number }>;
  canComplete: boolean;
}

export interface Gap {
  id: string | null;
  deviceId: string;
  serial: string | null;
  role: string | null;
  startedAt: string;
  endedAt: string;
  durationSec: number;
  cause: string;
  reason: string | null;
  reasonBy: string | null;
  reasonAt: string | null;
}

export interface SessionRecording {
  sessionId: string;
  status: 'recording' | 'stopping' | 'stopped';
  room: { id: string; name: string };
  cameras: Array<{ deviceId: string; serial: string; role: string; recordedSec: number; coverage: number; gaps: number; segments: number }>;
  window: { start: string; end: string; seconds: number };
  toleranceSec: number;
  recordedSec: number;
  coverage: number;
  fullRecording: boolean;
  gaps: Gap[];
  unexplainedGaps: number;
  canMarkFull: boolean;
  markedFullAt: string | null;
  markedFullBy: string | null;
  segments: Array<{ mediaId: string; deviceId: string; startedAt: string; endedAt: string; deviceStartedAt?: string | null; durationSec: number; holes: Array<{ start: string; end: string }>; state: string }>;
  joined?: JoinedRecording[];
}

/** One camera's recording joined into one file; offsets map file position to recorded wall time. */
export interface JoinedRecording {
  joinId: string;
  deviceId: string;
  role: 'overview' | 'frontal' | string;
  mediaId: string;
  state: string;
  wallStart: string;
  wallEnd: string;
  durationSec: number;
  offsets: Array<{ mediaOffsetSec: number; wallStart: string; wallEnd: string; durationSec: number }>;
  jumps: Array<{ mediaOffsetSec: number; wallStart: string; wallEnd: string; durationSec: number }>;
}

export interface MediaDetail {
  id: string;
  state: string;
  sha256: string;
  sizeBytes: number;
  filename: string;
  deviceSerial: string | null;
  officerId: string | null;
  recordedAt: string | null;
  recordedEnd: string | null;
  flags: string[];
  caseNumber: string | null;
  durationSec: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  createdAt: string;
  processing: { stage: string; status: string; progress: number } | null;
  derivatives: Array<{ kind: string; sha256: string; sizeBytes?: number; details?: Record<string, number> }>;
  custody: Array<{ seq: number; at: string; type: string; actor: string }>;
}

export interface ReviewMark {
  id: string;
  mediaId: string;
  caseId: string | null;
  kind: 'bookmark' | 'note';
  offsetSec: number;
  text: string;
  author: string;
  authorName?: string | null;
  createdAt: string;
}

export interface ExportItem {
  id: string;
  caseId: string | null;
  mediaIds: string[];
  destination: 'internal' | 'external';
  purpose: string;
  status: 'pending_approval' | 'queued' | 'building' | 'ready' | 'failed' | 'rejected';
  requestedBy: string;
  requestedAt: string;
  decidedBy: string | null;
  progress: number;
  formats: string[];
  packages?: Record<string, { sizeBytes: number; sha256: string }>;
  downloads?: Record<string, string>;
  errorMessage: string | null;
}

export interface AccessRequest {
  id: string;
  userId: string;
  mediaId: string | null;
  caseId: string | null;
  purpose: string;
  status: 'pending' | 'approved' | 'rejected';
  requestedAt: string;
  decidedBy: string | null;
  decidedAt: string | null;
  expiresAt: string | null;
}

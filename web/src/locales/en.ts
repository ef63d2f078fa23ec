import type { zhCN } from './zh-CN';

type Dict<T> = { [K in keyof T]: T[K] extends string ? string : Dict<T[K]> };

export const en: Dict<typeof zhCN> = {
  app: { title: 'Evidence Media Platform', logout: 'Log out', switchLanguage: 'Switch language' },
  nav: {
    label: 'Main menu', cases: 'Case review', exports: 'Exports', access: 'Access requests', coverage: 'Coverage', uploads: 'Upload deadlines', devices: 'Docks & devices',
    live: 'Live rooms', ops: 'Storage & jobs', retention: 'Retention', audit: 'Audit',
  },
  roles: { officer: 'Officer', reviewer: 'Legal reviewer', unit_head: 'Unit head', admin: 'Administrator', auditor: 'Auditor' },
  common: { loading: 'Loading…', working: 'Working…', search: 'Search', reset: 'Reset', all: 'All', save: 'Save', approve: 'Approve', reject: 'Reject', prev: 'Previous', next: 'Next' },
  fmt: { seconds: '{{n}} s', minutes: '{{m}} min {{s}} s', hours: '{{h}} h {{m}} min', never: 'never', justNow: 'just now', minAgo: '{{n}} min ago', hoursAgo: '{{n}} h ago', daysAgo: '{{n}} days ago' },
  errors: {
    forbiddenTitle: 'Access denied', forbiddenBody: 'Your account may not see this. If your work needs it, request access: a unit head decides.',
    roleMissing: 'This screen is not part of your role. Use the menu above for what you can do.', serverSays: 'Reason', notFound: 'Not found', failed: 'That did not work',
  },
  login: { subtitle: 'Log in with your own account. Every view, download and export is recorded in the custody chain.', username: 'User name', password: 'Password', submit: 'Log in', wrong: 'Wrong user name or password', failed: 'Login failed, try again later' },
  cases: {
    title: 'Case review', caseNumber: 'Case number', suspect: 'Suspect', officer: 'Officer number', from: 'Opened from', to: 'Opened to', status: 'Status',
    found: '{{n}} cases', none: 'No case matches', caseTitle: 'Title', kind: 'Kind', unit: 'Unit', openedAt: 'Opened',
  },
  caseStatus: { open: 'Open', under_review: 'Under review', review_completed: 'Review completed', closed: 'Closed' },
  caseKind: { criminal: 'Criminal', administrative: 'Administrative' },
  case: {
    title: 'Case', sessions: 'Interrogation recordings', noSessions: 'No interrogation in this case', fieldMedia: 'Body-cam footage', noMedia: 'No footage linked yet',
    completedBy: 'review completed by {{by}} at {{at}}', completeTitle: 'Complete the case review', completed: 'Review completed', blockers: '{{n}} item(s) still open:', finding: 'Finding', complete: 'Complete review',
  },
  sessionKind: { interrogation: 'Interrogation', questioning: 'Questioning' },
  session: {
    coverage: 'Coverage', full: 'Recorded in full', notFull: 'Not in full (unexplained gap)', gapsExplained: 'Gaps, all explained', noRecording: 'No recording', reviewed: 'Reviewed {{n}}/{{total}}', room: 'Room', declared: 'Declared',
    open: 'open', interrogators: 'Interrogators', recordings: 'Recordings', unrecordedBlock: 'No recording is linked to this session: the case review cannot be completed.', markFull: 'Confirm recorded in full',
    markedFull: 'Confirmed recorded in full by {{by}} at {{at}}',
  },
  recStatus: { recording: 'recording', stopping: 'stopping', stopped: 'stopped' },
  timeline: { aria: 'Recording timeline', recorded: 'Recorded', gap: 'Gap', gapOpen: 'Gap (no reason yet)', gapExplained: 'Gap (reason given)' },
  gap: { when: 'When', duration: 'Length', camera: 'Camera', cause: 'Detected cause', reason: 'Reason', none: 'No gap above the tolerance', unexplained: 'No reason given', reasonHint: 'Why was it interrupted? e.g. camera fault, interrogation paused' },
  gapCause: { 'camera-offline': 'Camera offline', 'stream-stalled': 'Stream stalled', 'recorder-restart': 'Recorder restarted', 'not-recording': 'Not recording', unknown: 'Unknown' },
  cameraRole: { overview: 'Overview', frontal: 'Frontal' },
  media: {
    file: 'File', officer: 'Officer', device: 'Device', recordedAt: 'Recorded', duration: 'Length', linkedTo: 'Linked to', state: 'State', play: 'Play', size: 'Size',
    custody: 'Custody', custodyEvents: '{{n}} events',
  },
  mediaState: { stored: 'Stored', verified: 'Verified', processing: 'Transcoding', ready: 'Ready', failed: 'Failed', rejected: 'Hash mismatch' },
  linkVia: { case: 'Case', incident: 'Incident', session: 'Interrogation' },
  linkSource: { manual: 'by hand', auto: 'automatic', metadata: 'dock metadata', dock: 'dock metadata' },
  review: {
    done: 'Reviewed by {{by}} at {{at}}', pending: 'Not reviewed', playAndReview: 'Play and review', stepTitle: 'Recording reviewed', finding: 'Finding', findingHint: 'e.g. recorded in full, clear picture, no interruption',
    confirm: 'I watched the whole recording', mark: 'Confirm: recording reviewed', again: 'Add another finding',
  },
  blocker: { 'recording-not-reviewed': 'An interrogation recording is not reviewed', 'session-unrecorded': 'An interrogation has no recording' },
  player: {
    title: 'Player', wallClock: 'Recorded time', noClock: 'no recorded time', offset: 'Position', processing: 'Processing: {{stage}}', noProxy: 'No review copy yet',
    details: 'File', logged: 'This view is recorded in the custody chain.', purpose: 'Case review {{caseNumber}}', purposeGeneric: 'Review', spriteHint: 'Click a thumbnail to jump there',
  },
  marks: { title: 'Bookmarks and notes', bookmark: 'Bookmark', note: 'Note', addAt: 'Add at {{at}}', none: 'No bookmarks yet', noteHint: 'Note (required)', bookmarkHint: 'Label (optional)' },
  export: {
    title: 'Evidence exports', intro: 'A package holds the originals, a hash manifest and an offline verifier. Exports outside the police need a unit head’s approval.', requestTitle: 'Request an export', destination: 'For',
    internal: 'Internal use', external: 'Outside the police (needs approval)', purpose: 'Purpose', purposeHint: 'e.g. transfer to the procuratorate', includeProxies: 'Include review copies',
    request: 'Request export', awaitingApproval: 'Requested; awaiting approval.', queued: 'Requested; the package is being built.', viewProgress: 'See progress', none: 'No exports yet',
    requested: 'Requested', scope: 'Scope', status: 'Status', progress: 'Progress', case: 'Whole case', mediaCount: '{{n}} files', waitingOther: 'Awaiting another person',
    rejectedNote: 'Not approved',
  },
  exportStatus: { pending_approval: 'Awaiting approval', queued: 'Queued', building: 'Building', ready: 'Ready', failed: 'Failed', rejected: 'Rejected' },
  access: {
    title: 'Access requests', intro: 'Footage outside your own scope needs a request approved by your unit head, for a limited time.', purpose: 'Purpose', purposeHint: 'e.g. assisting case …',
    request: 'Request access', sent: 'Request sent; your unit head decides.', viewMine: 'See my requests', newTitle: 'New request', caseOrMediaId: 'Case (system id)',
    toDecide: 'Requests (including those for me to decide)', mine: 'My requests', none: 'No requests', requestedAt: 'Requested', target: 'For', status: 'Status', case: 'Case', media: 'Media',
    until: 'valid until {{at}}', grantHours: 'Grant for (hours)', rejectedNote: 'Not approved',
  },
  accessStatus: { pending: 'Pending', approved: 'Approved', rejected: 'Rejected' },
  coverage: {
    title: 'Coverage', from: 'From', to: 'To', unit: 'Unit', allUnits: 'All units', groupBy: 'Rank by', byUnit: 'Unit', byOfficer: 'Officer', target: 'target',
    na: 'n/a', missing: '{{n}} missing — details', ranking: '{{rate}} · ranking', trend: '{{rate}} · trend', noData: 'No data in this period', rate: 'Rate', unassigned: 'Unassigned',
    missingTitle: '{{rate}} · what is missing', missingCount: '{{n}} items', nothingMissing: 'Nothing missing', item: 'Item', when: 'When', officers: 'Officers', reason: 'Why',
  },
  rate: {
    'bodycam-usage': 'Body-cam usage', storage: 'Audio/video storage', 'full-recording': 'Interrogation full recording', 'upload-timeliness': 'Upload within 24 h', 'interrogation-review': 'Interrogation recordings reviewed',
  },
  missingReason: {
    'no-linked-recording': 'No linked footage', 'not-stored-gone-from-dock': 'Not uploaded, gone from the dock', 'stored-after-deadline': 'Uploaded after the deadline', 'never-reviewed': 'Never reviewed', 'reviewed-after-completion': 'Reviewed after the case review',
    'no-footage': 'No linked footage', 'not-stored': 'Not uploaded', 'not-recorded': 'Not recorded', 'unverified-recording': 'Not recorded by the platform', 'recording-open': 'Recording still open',
    'unexplained-gaps': 'Gap without a reason', 'span-not-covered': 'Declared span not covered', late: 'Uploaded after 24 h', 'not-reviewed': 'Not reviewed before case review',
  },
  uploads: {
    title: 'Upload deadlines', overdue: 'Overdue (> 24 h)', due: 'Due soon', dueHint: 'over 20 h since recording ended', inFlight: 'Uploading now', processing: 'Processing',
    noneInFlight: 'Nothing is uploading', recent: 'Recently finished', pipeline: 'Transcodes and processing', pipelineIdle: 'Pipeline idle', deadlineTitle: 'Files near or past the deadline',
    deadlineIntro: 'Files a dock reported that are not on the platform yet: flagged 20 h after recording ended, overdue at 24 h.', nothingDue: 'Everything arrived in time',
    file: 'File', camera: 'Camera', recordedEnd: 'Recording ended', dueAt: 'Due', status: 'Status', goneFromDock: 'no longer on the dock',
  },
  inventoryStatus: { stored: 'Stored', pending: 'Pending', due: 'Due soon', overdue: 'Overdue' },
  stage: { verify: 'Hash check', probe: 'Probe', proxy: 'Transcode', thumbnails: 'Thumbnails', 'custody-verify': 'Custody check', export: 'Export', link: 'Auto-link' },
  devices: {
    title: 'Docks and devices', docks: 'Dock stations', noDocks: 'No dock registered', dock: 'Dock', lastSeen: 'Last seen', disk: 'Disk', cameras: 'Cameras', backlog: 'Backlog',
    storageRate: 'Storage rate', deadline: 'Deadline', pull: 'Connection', push: 'pushes', overdueN: '{{n}} overdue', dueN: '{{n}} due', onTime: 'on time', cameraList: 'Room cameras',
    camera: 'Camera', noCameras: 'No camera registered', rooms: 'Interrogation rooms', noRooms: 'No room configured', recordingNow: 'recording', idle: 'idle',
  },
  live: {
    title: 'Live interrogation rooms', intro: 'For authorised staff only; every opening is recorded in the custody chain.', rooms: 'Rooms', view: 'Picture', pick: 'Pick a camera on the left',
    connecting: 'Connecting…', playing: 'Playing', closed: 'Connection closed', logged: 'this view is recorded',
  },
  ops: {
    title: 'Storage and jobs', originals: 'Originals', derivatives: 'Proxies and thumbnails', free: 'Free', used: 'used', unknownFree: 'the object store does not report free space', last30: 'Added in 30 days',
    files: '{{n}} files', growth: 'Added per day (30 days)', queues: 'Queues', queue: 'Queue', waiting: 'Waiting', active: 'Active', delayed: 'Delayed', failed: 'Failed',
    failedJobs: 'Failed jobs', noFailed: 'No failed job', item: 'Item', error: 'Error', attempts: 'Attempts', failedAt: 'Failed at', retry: 'Retry',
  },
  retention: {
    title: 'Retention and disposal', intro: 'Disposal needs a report, two different approvers and a recycle period (restorable) before deletion; a legal hold blocks any disposal.',
    pending: 'Disposal batches awaiting approval ({{n}})', nonePending: 'No batch awaits approval', proposedBy: 'proposed by {{by}} at {{at}}', items: '{{n}} files', approvals: 'Approved {{n}}/2',
    recycleUntil: 'recycle period until {{at}}', approvedNote: 'Agreed', holds: 'Legal holds ({{n}} active)', noHolds: 'No legal hold', target: 'On', reason: 'Reason', placedBy: 'Placed by',
    until: 'Until', state: 'State', indefinite: 'indefinite', active: 'active', released: 'released',
    dryRun: 'Disposal dry run', dryRunIntro: 'Lists the originals the retention rules let go now, with the rule behind each; changes nothing.', runDryRun: 'Run dry run',
    dryRunTotals: '{{n}} files, {{size}} (generated {{at}})', file: 'File', recordedEnd: 'Recording ended', eligibleSince: 'May go since', why: 'Rule',
    note: 'Note', notePlaceholder: 'Why these go (e.g. routine field footage, H1 2025)', propose: 'Propose disposal ({{n}} files, two approvals needed)',
  },
  retentionRule: { 'field-minimum': 'Field footage retention period over', 'case-file': 'Kept with the case file', 'important-flag': 'Marked important', 'incident-category': 'Major incident: permanent', unclassified: 'Unclassified', 'legal-hold': 'Legal hold' },
  hold: { title: 'Legal hold', none: 'No legal hold on this case', active: 'Placed by {{by}} at {{at}}, until {{until}}', reasonHint: 'Why (e.g. the party has filed suit)', place: 'Place hold' },
  disposalStatus: { pending_approval: 'Awaiting approval', recycling: 'Recycle period', completed: 'Completed', cancelled: 'Cancelled' },
  audit: {
    title: 'Audit', intro: 'The custody chain records every capture, store, view, download, export and disposal, hash-linked in order: any edit is detectable.', type: 'Event', actor: 'Actor',
    mediaId: 'Media id', from: 'From', to: 'To', at: 'Time', details: 'Details', hash: 'Hash', none: 'No matching event',
  },
  custodyType: {
    'media.viewed': 'Viewed', 'media.downloaded': 'Original downloaded', 'access.refused': 'Access refused', 'access.requested': 'Access requested', 'access.decided': 'Access decided', 'media.stored': 'Stored',
    'media.verified': 'Verified', 'media.rejected': 'Hash mismatch', 'media.received': 'Received', 'link.added': 'Linked', 'link.removed': 'Unlinked', 'review.bookmark': 'Bookmark/note',
    'review.recording_reviewed': 'Recording reviewed', 'case.review_completed': 'Case review completed', 'media.exported': 'Exported', 'export.approved': 'Export approved', 'export.rejected': 'Export rejected',
    'export.downloaded': 'Export downloaded', 'recording.started': 'Recording started', 'recording.stopped': 'Recording stopped', 'recording.gap_detected': 'Gap detected',
    'recording.gap_explained': 'Gap explained', 'recording.marked_full': 'Marked recorded in full', 'dock.released': 'Released on dock', 'derivative.created': 'Derivative made', 'upload.started': 'Upload started',
  },
  // ops: WORM and storage-full banners on the storage page
  worm: {
    off: 'Originals are not write-protected (WORM): S3 Object Lock is not enabled',
    offDetail: 'Why: {{reason}}. Anyone holding the storage credentials can delete or overwrite evidence; only the database process guards it. Use a bucket created with Object Lock enabled (mc mb --with-lock) and OBJECT_LOCK=auto.',
    storageFull: 'Storage is full: new footage is refused (507 EVM_STORAGE_FULL); nothing already stored is deleted. Add space.',
  },
};

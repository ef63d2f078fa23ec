export const zhCN = {
  app: { title: '执法音视频证据管理平台', logout: '退出登录', switchLanguage: '切换语言' },
  nav: {
    label: '主菜单', cases: '案件审核', exports: '证据导出', access: '调阅申请', coverage: '考核统计', uploads: '上传时限', devices: '采集站与设备',
    live: '讯问室实时画面', ops: '存储与任务', retention: '保存期限', audit: '审计查询',
  },
  roles: { officer: '民警', reviewer: '法制审核员', unit_head: '单位负责人', admin: '系统管理员', auditor: '审计员' },
  common: {
    loading: '正在加载…', working: '处理中…', search: '查询', reset: '重置', all: '全部', save: '保存', approve: '批准', reject: '驳回', prev: '上一页', next: '下一页',
  },
  fmt: {
    seconds: '{{n}} 秒', minutes: '{{m}} 分 {{s}} 秒', hours: '{{h}} 小时 {{m}} 分', never: '从未', justNow: '刚刚', minAgo: '{{n}} 分钟前', hoursAgo: '{{n}} 小时前', daysAgo: '{{n}} 天前',
  },
  errors: {
    forbiddenTitle: '无权访问', forbiddenBody: '您的账号没有查看此内容的权限。如因工作需要，请提交调阅申请，由单位负责人审批。',
    roleMissing: '此页面不属于您的岗位职责范围。请从上方菜单进入您可使用的功能。', serverSays: '系统说明', notFound: '未找到该记录', failed: '操作未成功',
  },
  login: { subtitle: '请使用本人账号登录。所有查看、下载、导出操作都会记入证据保管链。', username: '用户名', password: '密码', submit: '登录', wrong: '用户名或密码不正确', failed: '登录失败，请稍后再试' },
  cases: {
    title: '案件审核', caseNumber: '案件编号', suspect: '嫌疑人姓名', officer: '民警警号', from: '立案日期（起）', to: '立案日期（止）', status: '状态',
    found: '共 {{n}} 起案件', none: '没有符合条件的案件', caseTitle: '案件名称', kind: '类别', unit: '主办单位', openedAt: '立案日期',
  },
  caseStatus: { open: '办理中', under_review: '审核中', review_completed: '审核完成', closed: '已结案' },
  caseKind: { criminal: '刑事案件', administrative: '行政案件' },
  case: {
    title: '案件', sessions: '讯问（询问）录像', noSessions: '本案没有讯问记录', fieldMedia: '执法记录仪视频', noMedia: '本案尚未关联执法视频',
    completedBy: '{{by}} 于 {{at}} 完成审核', completeTitle: '完成案件审核', completed: '本案审核已完成', blockers: '还有 {{n}} 项未完成：', finding: '审核意见', complete: '完成审核',
  },
  sessionKind: { interrogation: '讯问', questioning: '询问' },
  session: {
    coverage: '录制覆盖', full: '全程录制', notFull: '未全程录制（有未说明的中断）', gapsExplained: '有中断（均已说明原因）', noRecording: '无录像', reviewed: '已审阅 {{n}}/{{total}}', room: '讯问室', declared: '登记时间',
    open: '未结束', interrogators: '讯问人', recordings: '录像文件', unrecordedBlock: '本次讯问没有关联录像：案件审核无法完成。', markFull: '确认全程录制',
    markedFull: '{{by}} 于 {{at}} 确认全程录制',
  },
  recStatus: { recording: '正在录制', stopping: '正在结束录制', stopped: '录制已结束' },
  timeline: { aria: '录制时间轴', recorded: '已录制', gap: '中断', gapOpen: '中断（未说明原因）', gapExplained: '中断（已说明原因）' },
  gap: {
    when: '中断时段', duration: '时长', camera: '摄像机', cause: '系统判定', reason: '中断原因', none: '没有超过容差的中断', unexplained: '未说明原因',
    reasonHint: '请填写中断原因，如：设备故障，讯问暂停',
  },
  gapCause: { 'camera-offline': '摄像机离线', 'stream-stalled': '视频流中断', 'recorder-restart': '录制程序重启', 'not-recording': '未开启录制', unknown: '原因不明' },
  cameraRole: { overview: '全景', frontal: '正面特写' },
  media: {
    file: '文件', officer: '警号', device: '设备编号', recordedAt: '录制时间', duration: '时长', linkedTo: '关联', state: '状态', play: '播放', size: '大小',
    custody: '保管链', custodyEvents: '{{n}} 条记录',
  },
  mediaState: { stored: '已入库', verified: '已校验', processing: '转码中', ready: '可播放', failed: '处理失败', rejected: '校验不符' },
  linkVia: { case: '案件', incident: '警情', session: '讯问' },
  linkSource: { manual: '人工关联', auto: '自动关联', metadata: '采集站登记', dock: '采集站登记' },
  review: {
    done: '{{by}} 已于 {{at}} 审阅', pending: '待审阅', playAndReview: '播放并审阅', stepTitle: '录像审阅确认', finding: '审阅意见', findingHint: '例如：全程录制，画面清晰，无中断',
    confirm: '我已完整观看本录像', mark: '确认：录像已审阅', again: '补充审阅意见',
  },
  blocker: { 'recording-not-reviewed': '有讯问录像尚未审阅', 'session-unrecorded': '有讯问没有关联录像' },
  player: {
    title: '录像播放', wallClock: '录制时间', noClock: '无录制时间', offset: '播放位置', processing: '正在处理：{{stage}}', noProxy: '该视频尚无审阅用的转码文件',
    details: '文件信息', logged: '本次查看已记入证据保管链。', purpose: '案件审核 {{caseNumber}}', purposeGeneric: '审阅', spriteHint: '点击缩略图跳转',
  },
  marks: {
    title: '书签与备注', bookmark: '书签', note: '备注', addAt: '在 {{at}} 处添加', none: '暂无书签', noteHint: '备注内容（必填）', bookmarkHint: '书签说明（可选）',
  },
  export: {
    title: '证据导出', intro: '导出包含原始文件、哈希清单和离线校验程序。对外导出需经单位负责人批准。', requestTitle: '申请导出', destination: '用途',
    internal: '内部使用', external: '对外提供（需审批）', purpose: '导出事由', purposeHint: '如：移送检察院', includeProxies: '同时导出审阅用转码文件',
    request: '提交导出申请', awaitingApproval: '已提交，等待审批。', queued: '已提交，正在生成导出包。', viewProgress: '查看进度', none: '暂无导出记录',
    requested: '申请时间', scope: '范围', status: '状态', progress: '进度', case: '整案', mediaCount: '{{n}} 个文件', waitingOther: '等待他人审批',
    rejectedNote: '不予批准',
  },
  exportStatus: { pending_approval: '待审批', queued: '排队中', building: '生成中', ready: '可下载', failed: '失败', rejected: '已驳回' },
  access: {
    title: '调阅申请', intro: '查看本人职责范围以外的视频，需提交申请并经本单位负责人批准，批准在限定时间内有效。', purpose: '调阅事由', purposeHint: '如：协助办理某案件',
    request: '申请调阅', sent: '申请已提交，等待单位负责人审批。', viewMine: '查看我的申请', newTitle: '新建申请', caseOrMediaId: '案件编号（系统 ID）',
    toDecide: '调阅申请（含待我审批）', mine: '我的申请', none: '暂无申请', requestedAt: '申请时间', target: '对象', status: '状态', case: '案件', media: '视频',
    until: '有效期至 {{at}}', grantHours: '批准时长（小时）', rejectedNote: '不予批准',
  },
  accessStatus: { pending: '待审批', approved: '已批准', rejected: '已驳回' },
  coverage: {
    title: '考核统计', from: '开始日期', to: '结束日期', unit: '单位', allUnits: '全部单位', groupBy: '排名方式', byUnit: '按单位', byOfficer: '按民警', target: '目标',
    na: '无数据', missing: '缺失 {{n}} 项，查看明细', ranking: '{{rate}} · 排名', trend: '{{rate}} · 趋势', noData: '该时段暂无数据', rate: '达成率', unassigned: '未归属',
    missingTitle: '{{rate}} · 缺失明细', missingCount: '共 {{n}} 项', nothingMissing: '没有缺失项', item: '项目', when: '时间', officers: '民警', reason: '原因',
  },
  rate: {
    'bodycam-usage': '执法记录仪使用率', storage: '音视频资料储存率', 'full-recording': '讯问全程录音录像率', 'upload-timeliness': '24 小时上传及时率', 'interrogation-review': '讯问录像审看率',
  },
  missingReason: {
    'no-linked-recording': '无关联视频', 'not-stored-gone-from-dock': '未上传且已从采集站删除', 'stored-after-deadline': '超过 24 小时上传', 'never-reviewed': '未审阅', 'reviewed-after-completion': '审核完成后才审阅',
    'no-footage': '无关联视频', 'not-stored': '未上传至平台', 'not-recorded': '未录制', 'unverified-recording': '录像未经平台录制核验', 'recording-open': '录制尚未结束',
    'unexplained-gaps': '存在未说明原因的中断', 'span-not-covered': '录像未覆盖登记时段', late: '超过 24 小时上传', 'not-reviewed': '审核前未审阅录像',
  },
  uploads: {
    title: '上传时限', overdue: '已超 24 小时未上传', due: '即将超时', dueHint: '录制结束已超 20 小时', inFlight: '正在上传', processing: '正在处理',
    noneInFlight: '当前没有正在上传的文件', recent: '最近完成', pipeline: '转码与处理进度', pipelineIdle: '处理队列空闲', deadlineTitle: '临近或超过上传时限的文件',
    deadlineIntro: '采集站登记在册、但尚未上传至平台的文件。录制结束 20 小时提醒，24 小时为超时。', nothingDue: '所有文件均在时限内上传',
    file: '文件', camera: '记录仪', recordedEnd: '录制结束', dueAt: '上传截止', status: '状态', goneFromDock: '已不在采集站上',
  },
  inventoryStatus: { stored: '已上传', pending: '待上传', due: '即将超时', overdue: '已超时' },
  stage: { verify: '哈希校验', probe: '媒体分析', proxy: '转码', thumbnails: '缩略图', 'custody-verify': '保管链校验', export: '导出', link: '自动关联' },
  devices: {
    title: '采集站与设备', docks: '采集站', noDocks: '尚未登记采集站', dock: '采集站', lastSeen: '最近联系', disk: '磁盘占用', cameras: '记录仪数', backlog: '待上传',
    storageRate: '储存率', deadline: '时限', pull: '接入方式', push: '主动上传', overdueN: '超时 {{n}}', dueN: '临期 {{n}}', onTime: '正常', cameraList: '讯问室摄像机',
    camera: '摄像机', noCameras: '尚未登记摄像机', rooms: '讯问室', noRooms: '尚未配置讯问室', recordingNow: '录制中', idle: '空闲',
  },
  live: {
    title: '讯问室实时画面', intro: '实时画面仅供授权人员查看，每次打开都会记入证据保管链。', rooms: '讯问室', view: '画面', pick: '请选择左侧摄像机',
    connecting: '正在连接…', playing: '正在播放', closed: '连接已关闭', logged: '本次查看已记录',
  },
  ops: {
    title: '存储与任务', originals: '原始文件', derivatives: '转码与缩略图', free: '剩余空间', used: '已用', unknownFree: '对象存储未提供剩余空间', last30: '近 30 天新增',
    files: '{{n}} 个文件', growth: '每日新增（近 30 天）', queues: '任务队列', queue: '队列', waiting: '等待', active: '进行中', delayed: '延迟', failed: '失败',
    failedJobs: '失败任务', noFailed: '没有失败任务', item: '对象', error: '错误', attempts: '尝试次数', failedAt: '失败时间', retry: '重试',
  },
  retention: {
    title: '保存期限与销毁', intro: '销毁须先生成清单，经两名不同人员批准，进入回收期（可恢复）后才删除；法律保全期间任何销毁都被阻止。',
    pending: '待审批的销毁批次（{{n}}）', nonePending: '没有待审批的销毁批次', proposedBy: '{{by}} 于 {{at}} 提出', items: '{{n}} 个文件', approvals: '已批准 {{n}}/2',
    recycleUntil: '回收期至 {{at}}', approvedNote: '同意', holds: '法律保全（生效 {{n}} 项）', noHolds: '没有法律保全', target: '对象', reason: '原因', placedBy: '设置人',
    until: '截止', state: '状态', indefinite: '长期', active: '生效中', released: '已解除',
    dryRun: '销毁清单试算', dryRunIntro: '按保存规则列出现在可以销毁的原始文件及其依据；试算不改变任何数据。', runDryRun: '生成试算清单',
    dryRunTotals: '共 {{n}} 个文件，{{size}}（{{at}} 生成）', file: '文件', recordedEnd: '录制结束', eligibleSince: '可销毁自', why: '依据',
    note: '说明', notePlaceholder: '销毁说明（如：2025 年上半年一般现场记录）', propose: '提交销毁批次（{{n}} 个文件，需两人批准）',
  },
  retentionRule: { 'field-minimum': '现场记录保存期已满', 'case-file': '随案卷保存', 'important-flag': '标记为重要', 'incident-category': '重大事件永久保存', unclassified: '未分类', 'legal-hold': '法律保全' },
  hold: { title: '法律保全', none: '本案没有生效的法律保全', active: '{{by}} 于 {{at}} 设置，至 {{until}}', reasonHint: '保全原因（如：当事人已提起行政诉讼）', place: '设置保全' },
  disposalStatus: { pending_approval: '待审批', recycling: '回收期', completed: '已完成', cancelled: '已取消' },
  audit: {
    title: '审计查询', intro: '证据保管链记录了每一次采集、入库、查看、下载、导出与销毁，按时间顺序哈希相连，任何篡改都可被发现。', type: '事件类型', actor: '操作人',
    mediaId: '视频 ID', from: '开始时间', to: '结束时间', at: '时间', details: '详情', hash: '哈希', none: '没有符合条件的记录',
  },
  custodyType: {
    'media.viewed': '查看', 'media.downloaded': '下载原件', 'access.refused': '拒绝访问', 'access.requested': '调阅申请', 'access.decided': '调阅审批', 'media.stored': '入库',
    'media.verified': '校验通过', 'media.rejected': '校验不符', 'media.received': '接收', 'link.added': '关联', 'link.removed': '取消关联', 'review.bookmark': '书签/备注',
    'review.recording_reviewed': '录像已审阅', 'case.review_completed': '案件审核完成', 'media.exported': '导出', 'export.approved': '导出批准', 'export.rejected': '导出驳回',
    'export.downloaded': '导出包下载', 'recording.started': '开始录制', 'recording.stopped': '停止录制', 'recording.gap_detected': '发现录制中断',
    'recording.gap_explained': '说明中断原因', 'recording.marked_full': '确认全程录制', 'dock.released': '采集站释放', 'derivative.created': '生成转码', 'upload.started': '开始上传',
  },
  // ops: WORM and storage-full banners on the storage page
  worm: {
    off: '原始文件未受 WORM 写保护（S3 对象锁定未启用）',
    offDetail: '原因：{{reason}}。持有存储凭据的人可以删除或覆盖证据，目前只有数据库流程把关。请使用创建时启用对象锁定的存储桶（mc mb --with-lock），并设置 OBJECT_LOCK=auto。',
    storageFull: '存储空间不足：新的录像将被拒收（507 EVM_STORAGE_FULL），任何已有文件都不会被删除。请扩容。',
  },
};

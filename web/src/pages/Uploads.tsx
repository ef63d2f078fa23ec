import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Badge, Card, ErrorBox, Loading, ProgressBar, Stat } from '../components/ui';
import { fmtBytes, fmtDateTime } from '../format';
import { useApi } from '../hooks';
import type { Dock } from './Devices';

interface UploadRow {
  id: string;
  deviceSerial: string | null;
  filename: string | null;
  cameraSerial: string | null;
  sizeBytes: number;
  offset: number;
  progress: number;
  createdAt: string;
  finishedAt: string | null;
  mediaId: string | null;
  mediaState: string | null;
  /** How the file came: pushed by a dock over tus, or pulled from an FTP or folder dock. */
  via?: 'tus' | 'ftp' | 'folder';
}

export interface JobRow {
  queue: string;
  id: string;
  status: string;
  mediaId: string | null;
  exportId: string | null;
  progress: number;
  attemptsMade: number;
  failedReason: string | null;
  createdAt: string | null;
  finishedAt: string | null;
}

interface InventoryFile {
  id: number;
  cameraSerial: string | null;
  name: string;
  sizeBytes: number;
  recordedEnd: string | null;
  status: 'stored' | 'pending' | 'due' | 'overdue';
  dueAt: string;
  onDock: boolean;
}

/** Uploads in flight and the pipeline's work in progress (live), and what is near or past the 24-hour deadline. */
export function UploadsPage() {
  const { t } = useTranslation();
  const uploads = useApi<UploadRow[]>('/api/v1/admin/uploads?limit=30', 2000);
  const jobs = useApi<JobRow[]>('/api/v1/admin/jobs?status=active&limit=50', 2000);
  const docks = useApi<Dock[]>('/api/v1/docks', 30_000);
  const inFlight = uploads.data?.filter((u) => !u.finishedAt) ?? [];
  const recent = uploads.data?.filter((u) => u.finishedAt).slice(0, 10) ?? [];
  const due = docks.data?.reduce((n, d) => n + d.inventory.due, 0) ?? 0;
  const overdue = docks.data?.reduce((n, d) => n + d.inventory.overdue, 0) ?? 0;
  return (
    <>
      <h1>{t('uploads.title')}</h1>
      <div className="stats">
        <Stat label={t('uploads.overdue')} value={overdue} tone={overdue ? 'bad' : 'good'} testId="overdue-count" />
        <Stat label={t('uploads.due')} value={due} tone={due ? 'warn' : 'good'} sub={t('uploads.dueHint')} />
        <Stat label={t('uploads.inFlight')} value={inFlight.length} tone="info" />
        <Stat label={t('uploads.processing')} value={jobs.data?.length ?? 0} tone="info" />
      </div>
      <ErrorBox error={uploads.error ?? jobs.error ?? docks.error} />
      <div className="two-col">
        <Card title={`⬆ ${t('uploads.inFlight')}`} testId="uploads-in-flight">
          {uploads.loading && !uploads.data && <Loading />}
          {inFlight.length === 0 && uploads.data && <p className="muted">{t('uploads.noneInFlight')}</p>}
          {inFlight.map((u) => (
            <div key={u.id} className="progress-row">
              <div className="small">
                <Badge tone="info" testId="upload-via">{t(`uploadsVia.${u.via ?? 'tus'}`)}</Badge> <span className="mono">{u.filename ?? u.id}</span> · {u.deviceSerial} ·{' '}
                {fmtBytes(u.offset)} / {fmtBytes(u.sizeBytes)}
              </div>
              <ProgressBar value={u.progress} testId="upload-progress" />
            </div>
          ))}
          {recent.length > 0 && (
            <>
              <h3>{t('uploads.recent')}</h3>
              <ul className="plain small">
                {recent.map((u) => (
                  <li key={u.id}>
                    {fmtDateTime(u.finishedAt)} · <Badge tone="info" testId="upload-via">{t(`uploadsVia.${u.via ?? 'tus'}`)}</Badge> <span className="mono">{u.filename}</span> ·{' '}
                    {fmtBytes(u.sizeBytes)} ·{' '}
                    <Badge tone={u.mediaState === 'ready' ? 'good' : u.mediaState === 'failed' || u.mediaState === 'rejected' ? 'bad' : 'warn'}>
                      {t(`mediaState.${u.mediaState ?? 'stored'}`, { defaultValue: u.mediaState ?? '' })}
                    </Badge>
                  </li>
                ))}
              </ul>
            </>
          )}
        </Card>
        <Card title={`⚙ ${t('uploads.pipeline')}`} testId="pipeline-active">
          {jobs.data?.length === 0 && <p className="muted">{t('uploads.pipelineIdle')}</p>}
          {jobs.data?.map((j) => (
            <div key={`${j.queue}-${j.id}`} className="progress-row">
              <div className="small">
                {t(`stage.${j.queue}`, { defaultValue: j.queue })} · {j.mediaId ? <Link to={`/media/${j.mediaId}`} className="mono">{j.mediaId.slice(0, 8)}</Link> : j.exportId ? `export ${j.exportId.slice(0, 8)}` : j.id}
              </div>
              <ProgressBar value={j.progress} testId="job-progress" />
            </div>
          ))}
        </Card>
      </div>
      <Card title={`⏰ ${t('uploads.deadlineTitle')}`} testId="deadline-list">
        <p className="muted small">{t('uploads.deadlineIntro')}</p>
        {docks.data?.filter((d) => d.inventory.due + d.inventory.overdue > 0).map((d) => <DockDeadlines key={d.id} dock={d} />)}
        {docks.data && due + overdue === 0 && <p className="alert alert-good">✅ {t('uploads.nothingDue')}</p>}
      </Card>
    </>
  );
}

function DockDeadlines({ dock }: { dock: Dock }) {
  const { t } = useTranslation();
  const overdue = useApi<InventoryFile[]>(`/api/v1/docks/${dock.id}/inventory?status=overdue&limit=50`, 60_000);
  const due = useApi<InventoryFile[]>(`/api/v1/docks/${dock.id}/inventory?status=due&limit=50`, 60_000);
  const files = [...(overdue.data ?? []), ...(due.data ?? [])];
  return (
    <>
      <h3>
        {dock.name} <span className="muted small">{dock.serial}</span>
      </h3>
      <table className="table">
        <thead>
          <tr>
            <th>{t('uploads.file')}</th>
            <th>{t('uploads.camera')}</th>
            <th>{t('uploads.recordedEnd')}</th>
            <th>{t('uploads.dueAt')}</th>
            <th>{t('uploads.status')}</th>
          </tr>
        </thead>
        <tbody>
          {files.map((f) => (
            <tr key={f.id} className={f.status === 'overdue' ? 'row-bad' : 'row-warn'}>
              <td className="mono small">{f.name}</td>
              <td>{f.cameraSerial ?? '—'}</td>
              <td>{fmtDateTime(f.recordedEnd)}</td>
              <td>{fmtDateTime(f.dueAt)}</td>
              <td>
                <Badge tone={f.status === 'overdue' ? 'bad' : 'warn'}>{t(`inventoryStatus.${f.status}`)}</Badge> {!f.onDock && <span className="small muted">{t('uploads.goneFromDock')}</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

import { useTranslation } from 'react-i18next';
import { Badge, Card, ErrorBox, Loading, ProgressBar } from '../components/ui';
import { fmtAgo, fmtBytes, fmtPercent, rateTone } from '../format';
import { useApi } from '../hooks';

export interface Dock {
  id: string;
  serial: string;
  name: string;
  lastSeenAt: string | null;
  lastInventoryAt: string | null;
  diskUsedBytes: number | null;
  diskTotalBytes: number | null;
  cameraCount: number | null;
  backlog: number;
  inventory: { total: number; stored: number; missing: number; pending: number; due: number; overdue: number; storageRate: number };
  pullSource: { protocol: string; enabled: boolean; lastPollAt: string | null; lastOkAt: string | null; lastErrorCode: string | null; lastError: string | null } | null;
}

interface Device {
  id: string;
  kind: 'dock' | 'camera';
  serial: string;
  name: string;
  lastSeenAt: string | null;
}

interface Room {
  id: string;
  name: string;
  recordingSessionId: string | null;
  cameras: Array<{ deviceId: string; serial: string; name: string; role: string; streamUri: string | null; probedAt: string | null }>;
}

function seenTone(iso: string | null): 'good' | 'warn' | 'bad' {
  if (!iso) return 'bad';
  const age = Date.now() - Date.parse(iso);
  return age < 15 * 60_000 ? 'good' : age < 24 * 3600_000 ? 'warn' : 'bad';
}

/** Dock stations and cameras: last seen, backlog, disk use, storage rate of their inventory. */
export function DevicesPage() {
  const { t } = useTranslation();
  const docks = useApi<Dock[]>('/api/v1/docks', 10_000);
  const devices = useApi<Device[]>('/api/v1/devices', 30_000);
  const rooms = useApi<Room[]>('/api/v1/rooms', 10_000);
  const cameras = devices.data?.filter((d) => d.kind === 'camera') ?? [];
  return (
    <>
      <h1>{t('devices.title')}</h1>
      <ErrorBox error={docks.error ?? devices.error} />
      <Card title={`🗄 ${t('devices.docks')}`} testId="dock-table">
        {docks.loading && !docks.data && <Loading />}
        {docks.data?.length === 0 && <p className="muted">{t('devices.noDocks')}</p>}
        {!!docks.data?.length && (
          <table className="table">
            <thead>
              <tr>
                <th>{t('devices.dock')}</th>
                <th>{t('devices.lastSeen')}</th>
                <th>{t('devices.disk')}</th>
                <th>{t('devices.cameras')}</th>
                <th>{t('devices.backlog')}</th>
                <th>{t('devices.storageRate')}</th>
                <th>{t('devices.deadline')}</th>
                <th>{t('devices.pull')}</th>
              </tr>
            </thead>
            <tbody>
              {docks.data?.map((d) => {
                const disk = d.diskTotalBytes ? (100 * (d.diskUsedBytes ?? 0)) / d.diskTotalBytes : null;
                return (
                  <tr key={d.id}>
                    <td>
                      <strong>{d.name}</strong>
                      <div className="muted small mono">{d.serial}</div>
                    </td>
                    <td>
                      <Badge tone={seenTone(d.lastSeenAt)}>{fmtAgo(d.lastSeenAt)}</Badge>
                    </td>
                    <td style={{ minWidth: 140 }}>
                      {disk === null ? '—' : <ProgressBar value={disk} label={`${fmtBytes(d.diskUsedBytes)} / ${fmtBytes(d.diskTotalBytes)}`} />}
                    </td>
                    <td>{d.cameraCount ?? '—'}</td>
                    <td>
                      <Badge tone={d.backlog ? 'warn' : 'good'}>{d.backlog}</Badge>
                    </td>
                    <td>
                      <Badge tone={rateTone(d.inventory.total ? d.inventory.storageRate : null)}>{d.inventory.total ? fmtPercent(d.inventory.storageRate) : '—'}</Badge>
                      <div className="small muted">
                        {d.inventory.stored}/{d.inventory.total}
                      </div>
                    </td>
                    <td>
                      {d.inventory.overdue > 0 && <Badge tone="bad">{t('devices.overdueN', { n: d.inventory.overdue })}</Badge>}{' '}
                      {d.inventory.due > 0 && <Badge tone="warn">{t('devices.dueN', { n: d.inventory.due })}</Badge>}
                      {d.inventory.due + d.inventory.overdue === 0 && <Badge tone="good">{t('devices.onTime')}</Badge>}
                    </td>
                    <td className="small">
                      {d.pullSource ? (
                        <>
                          {d.pullSource.protocol.toUpperCase()} · {fmtAgo(d.pullSource.lastOkAt)}
                          {d.pullSource.lastErrorCode && <div className="bad-text">{d.pullSource.lastErrorCode}</div>}
                        </>
                      ) : (
                        t('devices.push')
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Card>
      <div className="two-col">
        <Card title={`📷 ${t('devices.cameraList')}`}>
          <table className="table">
            <thead>
              <tr>
                <th>{t('devices.camera')}</th>
                <th>{t('devices.lastSeen')}</th>
              </tr>
            </thead>
            <tbody>
              {cameras.map((c) => (
                <tr key={c.id}>
                  <td>
                    {c.name} <span className="muted small mono">{c.serial}</span>
                  </td>
                  <td>
                    <Badge tone={seenTone(c.lastSeenAt)}>{fmtAgo(c.lastSeenAt)}</Badge>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {cameras.length === 0 && <p className="muted">{t('devices.noCameras')}</p>}
        </Card>
        <Card title={`🚪 ${t('devices.rooms')}`}>
          {rooms.data?.map((r) => (
            <div key={r.id} className="room">
              <strong>{r.name}</strong> {r.recordingSessionId ? <Badge tone="bad">● {t('devices.recordingNow')}</Badge> : <Badge tone="none">{t('devices.idle')}</Badge>}
              <ul className="plain small">
                {r.cameras.map((c) => (
                  <li key={c.deviceId}>
                    {t(`cameraRole.${c.role}`, { defaultValue: c.role })}: {c.name} <span className="mono muted">{c.serial}</span>
                  </li>
                ))}
              </ul>
            </div>
          ))}
          {rooms.data?.length === 0 && <p className="muted">{t('devices.noRooms')}</p>}
        </Card>
      </div>
    </>
  );
}

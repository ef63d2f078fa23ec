import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { Badge, Card, ErrorBox, ListTable, Loading } from '../components/ui';
import { fmtDateTime, fmtDuration } from '../format';
import { useApi } from '../hooks';

interface OwnMedia {
  id: string;
  state: string;
  filename?: string;
  deviceSerial: string | null;
  recordedAt: string | null;
  durationSec?: number | null;
  createdAt?: string;
  links: Array<{ caseId: string | null; caseNumber: string | null; incidentId: string | null; sessionId: string | null; source: string }>;
}

const tone = (state: string) => (state === 'ready' ? 'good' : state === 'failed' || state === 'rejected' ? 'bad' : 'warn');

/** 我的视频: the officer's own footage, whether it arrived and was processed, and which case or 110 incident it belongs to. */
export function MyMediaPage() {
  const { t } = useTranslation();
  const mine = useApi<OwnMedia[]>('/api/v1/me/media?limit=200', 15_000);
  return (
    <>
      <h1>{t('myMedia.title')}</h1>
      <p className="muted">{t('myMedia.intro')}</p>
      <ErrorBox error={mine.error} />
      {mine.loading && !mine.data ? (
        <Loading />
      ) : (
        <Card title={t('myMedia.count', { n: mine.data?.length ?? 0 })}>
          <ListTable
            rows={mine.data}
            none={t('myMedia.none')}
            testId="my-media-table"
            head={[t('media.recordedAt'), t('media.file'), t('media.device'), t('media.duration'), t('myMedia.status'), t('media.linkedTo')]}
            row={(m) => (
              <tr key={m.id} data-testid="my-media-row">
                <td>{fmtDateTime(m.recordedAt)}</td>
                <td className="mono small">
                  <Link to={`/media/${m.id}`}>{m.filename ?? m.id.slice(0, 8)}</Link>
                </td>
                <td className="mono small">{m.deviceSerial ?? '—'}</td>
                <td>{fmtDuration(m.durationSec ?? null)}</td>
                <td>
                  <Badge tone={tone(m.state)}>{t(`mediaState.${m.state}`, { defaultValue: m.state })}</Badge>
                </td>
                <td data-testid="my-media-links">
                  {m.links.length === 0 ? (
                    <Badge tone="warn">{t('myMedia.unlinked')}</Badge>
                  ) : (
                    m.links.map((l, i) => (
                      <div key={i}>
                        {l.caseId ? (
                          <Link to={`/cases/${l.caseId}`}>
                            {t(`linkVia.${l.sessionId ? 'session' : l.incidentId ? 'incident' : 'case'}`)} {l.caseNumber}
                          </Link>
                        ) : (
                          <span>
                            {t('linkVia.incident')} {l.incidentId}
                          </span>
                        )}{' '}
                        <span className="muted small">{t(`linkSource.${l.source}`, { defaultValue: l.source })}</span>
                      </div>
                    ))
                  )}
                </td>
              </tr>
            )}
          />
        </Card>
      )}
    </>
  );
}

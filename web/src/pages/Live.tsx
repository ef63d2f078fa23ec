import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { getToken } from '../api';
import { Badge, Card, ErrorBox, Loading } from '../components/ui';
import { useApi } from '../hooks';

interface Room {
  id: string;
  name: string;
  recordingSessionId: string | null;
  cameras: Array<{ deviceId: string; serial: string; name: string; role: string }>;
}

/** Live view of an interrogation room: MPEG-1 over a WebSocket (jsmpeg), opened only for authorised users and logged. */
export function LivePage() {
  const { t } = useTranslation();
  const rooms = useApi<Room[]>('/api/v1/rooms', 15_000);
  const [sel, setSel] = useState<{ roomId: string; deviceId: string } | null>(null);
  return (
    <>
      <h1>{t('live.title')}</h1>
      <p className="muted">{t('live.intro')}</p>
      <ErrorBox error={rooms.error} />
      {rooms.loading && !rooms.data && <Loading />}
      <div className="live-layout">
        <Card title={t('live.rooms')}>
          {rooms.data?.length === 0 && <p className="muted">{t('devices.noRooms')}</p>}
          {rooms.data?.map((r) => (
            <div key={r.id} className="room">
              <strong>{r.name}</strong> {r.recordingSessionId && <Badge tone="bad">● {t('devices.recordingNow')}</Badge>}
              <div className="btn-row">
                {r.cameras.map((c) => (
                  <button
                    key={c.deviceId}
                    className={`btn btn-small ${sel?.deviceId === c.deviceId ? 'btn-primary' : ''}`}
                    onClick={() => setSel({ roomId: r.id, deviceId: c.deviceId })}
                    data-testid="live-camera"
                  >
                    📹 {t(`cameraRole.${c.role}`, { defaultValue: c.role })}
                  </button>
                ))}
              </div>
            </div>
          ))}
        </Card>
        <Card title={t('live.view')}>{sel ? <LiveCanvas key={`${sel.roomId}/${sel.deviceId}`} roomId={sel.roomId} deviceId={sel.deviceId} /> : <p className="muted">{t('live.pick')}</p>}</Card>
      </div>
    </>
  );
}

function LiveCanvas({ roomId, deviceId }: { roomId: string; deviceId: string }) {
  const { t } = useTranslation();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [state, setState] = useState<'connecting' | 'playing' | 'closed'>('connecting');
  useEffect(() => {
    let player: { destroy(): void } | null = null;
    let cancelled = false;
    const proto = location.protocol === 'https:' ? 'wss' : 'ws';
    // The token goes as a WebSocket subprotocol beside "evm-live": it stays out of URLs and access logs.
    const url = `${proto}://${location.host}/api/v1/rooms/${roomId}/cameras/${deviceId}/live`;
    void import('@cycjimmy/jsmpeg-player').then(({ default: JSMpeg }) => {
      if (cancelled || !canvas.current) return;
      player = new JSMpeg.Player(url, {
        canvas: canvas.current,
        protocols: ['evm-live', getToken() ?? ''],
        audio: false,
        autoplay: true,
        reconnectInterval: 5,
        onSourceEstablished: () => setState('playing'),
        onSourceCompleted: () => setState('closed'),
      });
    });
    return () => {
      cancelled = true;
      player?.destroy();
    };
  }, [roomId, deviceId]);
  return (
    <div>
      <canvas ref={canvas} className="live-canvas" width={640} height={360} data-testid="live-canvas" />
      <p className="small muted">{t(`live.${state}`)} · {t('live.logged')}</p>
    </div>
  );
}

import type { Sql } from '../db.js';

export type CameraRole = 'overview' | 'frontal';

export interface Room {
  id: string;
  name: string;
  unitCode: string | null;
  createdAt: string;
  createdBy: string;
}

export interface RoomCamera {
  roomId: string;
  deviceId: string;
  serial: string;
  name: string;
  role: CameraRole;
  onvifUrl: string | null;
  onvifUsername: string | null;
  /** Sealed (secret-box); never leaves the server. */
  onvifPasswordSealed: string | null;
  profileToken: string | null;
  streamUri: string | null;
  attachedAt: string;
  attachedBy: string;
  deviceInfo: Record<string, unknown> | null;
  clockOffsetMs: number | null;
  probedAt: string | null;
}

interface RoomRow {
  id: string;
  name: string;
  unit_code: string | null;
  created_at: Date;
  created_by: string;
}

interface CameraRow {
  room_id: string;
  device_id: string;
  serial: string;
  name: string;
  role: CameraRole;
  onvif_url: string | null;
  onvif_username: string | null;
  onvif_password_sealed: string | null;
  profile_token: string | null;
  stream_uri: string | null;
  attached_at: Date;
  attached_by: string;
  device_info: Record<string, unknown> | null;
  clock_offset_ms: number | null;
  probed_at: Date | null;
}

const toRoom = (r: RoomRow): Room => ({ id: r.id, name: r.name, unitCode: r.unit_code?.trim() ?? null, createdAt: r.created_at.toISOString(), createdBy: r.created_by });

const toCamera = (r: CameraRow): RoomCamera => ({
  roomId: r.room_id,
  deviceId: r.device_id,
  serial: r.serial,
  name: r.name,
  role: r.role,
  onvifUrl: r.onvif_url,
  onvifUsername: r.onvif_username,
  onvifPasswordSealed: r.onvif_password_sealed,
  profileToken: r.profile_token,
  streamUri: r.stream_uri,
  attachedAt: r.attached_at.toISOString(),
  attachedBy: r.attached_by,
  deviceInfo: r.device_info,
  clockOffsetMs: r.clock_offset_ms,
  probedAt: r.probed_at?.toISOString() ?? null,
});

const CAMERA_SELECT = 'select rc.*, d.serial, d.name from room_cameras rc join devices d on d.id = rc.device_id';

/** Interrogation rooms and the fixed cameras attached to them. */
export class RoomsRepository {
  constructor(private readonly sql: Sql) {}

  /** Null when the name is taken. */
  async insertRoom(r: { id: string; name: string; unitCode: string | null; createdBy: string }): Promise<Room | null> {
    const rows = await this.sql.query<RoomRow>(
      'insert into rooms (id, name, unit_code, created_by) values ($1, $2, $3, $4) on conflict (name) do nothing returning *',
      [r.id, r.name, r.unitCode, r.createdBy],
    );
    return rows[0] ? toRoom(rows[0]) : null;
  }

  async findRoom(id: string): Promise<Room | null> {
    const rows = await this.sql.query<RoomRow>('select * from rooms where id = $1', [id]);
    return rows[0] ? toRoom(rows[0]) : null;
  }

  async findRoomByName(name: string): Promise<Room | null> {
    const rows = await this.sql.query<RoomRow>('select * from rooms where name = $1', [name]);
    return rows[0] ? toRoom(rows[0]) : null;
  }

  async listRooms(): Promise<Room[]> {
    return (await this.sql.query<RoomRow>('select * from rooms order by name')).map(toRoom);
  }

  async camerasOf(roomId: string): Promise<RoomCamera[]> {
    const rows = await this.sql.query<CameraRow>(`${CAMERA_SELECT} where rc.room_id = $1 order by rc.role, d.serial`, [roomId]);
    return rows.map(toCamera);
  }

  async cameraByDevice(deviceId: string): Promise<RoomCamera | null> {
    const rows = await this.sql.query<CameraRow>(`${CAMERA_SELECT} where rc.device_id = $1`, [deviceId]);
    return rows[0] ? toCamera(rows[0]) : null;
  }

  /** Every attached camera with its room's name (discovery marks the cameras already in a room). */
  async allAttached(): Promise<Array<RoomCamera & { roomName: string }>> {
    const rows = await this.sql.query<CameraRow & { room_name: string }>(`select rc.*, d.serial, d.name, r.name as room_name from room_cameras rc join devices d on d.id = rc.device_id join rooms r on r.id = rc.room_id`);
    return rows.map((r) => ({ ...toCamera(r), roomName: r.room_name }));
  }

  async attachCamera(c: {
    roomId: string;
    deviceId: string;
    role: CameraRole;
    onvifUrl: string | null;
    onvifUsername: string | null;
    onvifPasswordSealed: string | null;
    profileToken: string | null;
    streamUri: string | null;
    attachedBy: string;
  }): Promise<void> {
    await this.sql.query(
      `insert into room_cameras (room_id, device_id, role, onvif_url, onvif_username, onvif_password_sealed, profile_token, stream_uri, attached_by)
       values ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [c.roomId, c.deviceId, c.role, c.onvifUrl, c.onvifUsername, c.onvifPasswordSealed, c.profileToken, c.streamUri, c.attachedBy],
    );
  }

  async detachCamera(roomId: string, deviceId: string): Promise<boolean> {
    const rows = await this.sql.query('delete from room_cameras where room_id = $1 and device_id = $2 returning device_id', [roomId, deviceId]);
    return rows.length === 1;
  }

  /** What the recorder last learnt from the camera over ONVIF. */
  async recordProbe(deviceId: string, deviceInfo: Record<string, unknown>, clockOffsetMs: number): Promise<void> {
    await this.sql.query('update room_cameras set device_info = $2, clock_offset_ms = $3, probed_at = now() where device_id = $1', [deviceId, JSON.stringify(deviceInfo), clockOffsetMs]);
  }

  /** The session this room is recording now (switched on, not yet finalized), if any. */
  async activeSessionOf(roomId: string): Promise<string | null> {
    const rows = await this.sql.query<{ session_id: string }>('select session_id from session_recordings where room_id = $1 and finalized_at is null limit 1', [roomId]);
    return rows[0]?.session_id ?? null;
  }

  /** Serialises changes to one room (cameras, starting a recording) within the transaction. */
  async lockRoom(roomId: string): Promise<void> {
    await this.sql.query('select id from rooms where id = $1 for update', [roomId]);
  }
}

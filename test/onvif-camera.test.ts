/**
 * The ONVIF adapter (the `onvif` npm client) against the simulated room camera: device information, profiles,
 * stream and snapshot URIs, the camera clock, WS-Security credentials, and discovery only as far as it sends nothing
 * (multicast discovery runs in a network namespace: onvif-discovery.test.ts). The stream URI it returns is a real
 * RTSP server that ffprobe reads.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readOnvifCamera, redactUri, withCredentials } from '../devices/onvif-camera.js';
import { deviceServiceUrl, discoverOnvifCameras } from '../devices/onvif-discovery.js';
import { startOnvifSimulator, type OnvifSimulator } from '../devices/simulators/onvif-simulator.js';
import { startRtspCamera, type RtspCamera } from '../devices/simulators/rtsp-camera.js';
import { runCapture } from '../src/media/ffmpeg-process.js';

describe('ONVIF camera adapter', () => {
  let rtsp: RtspCamera;
  let sim: OnvifSimulator;

  beforeAll(async () => {
    rtsp = await startRtspCamera({ width: 320, height: 240, fps: 10, label: 'ONVIF TEST', audio: true });
    sim = await startOnvifSimulator({
      streamUri: () => rtsp.url,
      fps: 10,
      manufacturer: 'Simulated',
      model: 'IR-CAM-2',
      serialNumber: 'IRC-77',
      clockSkewMs: -4000,
      username: 'admin',
      password: 'pa55',
      location: '讯问室9',
    });
  });
  afterAll(async () => {
    await sim?.close();
    await rtsp?.close();
  });

  it('reads device information, profiles, stream URI and the camera clock', async () => {
    const info = await readOnvifCamera({ url: sim.url, username: 'admin', password: 'pa55' });
    expect(info.deviceInfo).toEqual({ manufacturer: 'Simulated', model: 'IR-CAM-2', firmwareVersion: '1.0.0', serialNumber: 'IRC-77', hardwareId: 'sim' });
    expect(info.profiles).toEqual([{ token: 'profile_main', name: 'MainStream', encoding: 'H264', width: 320, height: 240, fps: 10 }]);
    expect(info.profileToken).toBe('profile_main');
    expect(info.streamUri).toBe(rtsp.url);
    expect(info.snapshotUri).toBe(`http://127.0.0.1:${sim.port}/onvif/snapshot.jpg`);
    // ONVIF gives whole seconds: the offset is right to about a second
    expect(Math.abs(info.clockOffsetMs + 4000)).toBeLessThanOrEqual(1200);
    expect(sim.requests).toEqual(expect.arrayContaining(['GetSystemDateAndTime', 'GetDeviceInformation', 'GetProfiles', 'GetStreamUri', 'GetSnapshotUri']));

    // the URI is a real stream: H.264 video (and AAC audio), read over RTSP/TCP
    const probe = await runCapture({
      bin: 'ffprobe',
      args: ['-v', 'error', '-rtsp_transport', 'tcp', '-analyzeduration', '500000', '-print_format', 'json', '-show_streams', withCredentials(info.streamUri, null, null)],
      timeoutMs: 15_000,
    });
    const streams = (JSON.parse(probe.stdout) as { streams: Array<{ codec_type: string; codec_name: string }> }).streams;
    expect(streams.map((s) => `${s.codec_type}:${s.codec_name}`).sort()).toEqual(['audio:aac', 'video:h264']);
  });

  it('refuses wrong credentials with a stable code, and names an unreachable camera', async () => {
    await expect(readOnvifCamera({ url: sim.url, username: 'admin', password: 'wrong' })).rejects.toMatchObject({ code: 'EVM_CAMERA_UNREACHABLE', message: expect.stringContaining('not Authorized') });
    await expect(readOnvifCamera({ url: 'http://127.0.0.1:9/onvif/device_service', timeoutMs: 1000 })).rejects.toMatchObject({ code: 'EVM_CAMERA_UNREACHABLE' });
  });

  it('keeps discovery off the network unless asked: no multicast group joined, bad options refused before sending', async () => {
    // The real multicast round trip runs in a network namespace of its own: test/onvif-discovery.test.ts.
    expect(sim.discoveryPort).toBeNull();
    await expect(discoverOnvifCameras({ interface: 'evm-no-such-if0' })).rejects.toMatchObject({ code: 'EVM_VALIDATION' });
    await expect(discoverOnvifCameras({ timeoutMs: 5 })).rejects.toMatchObject({ code: 'EVM_VALIDATION' });
  });

  it('picks the device service XAddr on the address that answered', () => {
    const from = { address: '10.0.0.7', port: 3702 };
    expect(deviceServiceUrl({ xaddrs: ['http://192.168.1.7/onvif/device_service', 'http://10.0.0.7:8080/onvif/device_service'], from })).toBe('http://10.0.0.7:8080/onvif/device_service');
    expect(deviceServiceUrl({ xaddrs: ['urn:x', 'http://192.168.1.7/onvif/device_service'], from })).toBe('http://192.168.1.7/onvif/device_service');
    expect(deviceServiceUrl({ xaddrs: ['not a url'], from })).toBeNull();
  });

  it('adds credentials for ffmpeg and redacts them for logs', () => {
    const uri = withCredentials('rtsp://127.0.0.1:554/stream', 'admin', 'p@ss');
    expect(uri).toBe('rtsp://admin:p%40ss@127.0.0.1:554/stream');
    expect(redactUri(uri)).toBe('rtsp://admin:***@127.0.0.1:554/stream');
    expect(withCredentials('rtsp://u:x@h/s', 'admin', 'p')).toBe('rtsp://u:x@h/s');
  });
});

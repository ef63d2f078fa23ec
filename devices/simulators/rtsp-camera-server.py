#!/usr/bin/python3
"""Interrogation-room camera simulator: a real RTSP server (GStreamer's gst-rtsp-server, RTP over TCP only).

Serves a generated H.264 stream with the wall-clock date and 24-hour time burned into the picture (as the 2014
interrogation rules require of room cameras), a running-time counter, and optionally an AAC audio tone. The clock is
the process's local time: the caller sets TZ (rtsp-camera.ts: Beijing time by default, optionally drifting).

Run with Debian's /usr/bin/python3 (the `gi` bindings come from python3-gi; a pyenv python has none):
    /usr/bin/python3 rtsp-camera-server.py --port 0 --path /stream
It binds 127.0.0.1 only. Port 0 picks a free port; the bound port is printed on stdout as `READY <port>` once the
server accepts connections. SIGTERM or SIGINT stops it. SIGUSR1 toggles the picture off and on while clients stay
connected (frames are dropped, timestamps run on: a camera whose picture stalls).
"""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402


def has(element: str) -> bool:
    return Gst.ElementFactory.find(element) is not None


def pipeline(a: argparse.Namespace) -> str:
    video = (
        f"videotestsrc is-live=true pattern={a.pattern} "
        f"! video/x-raw,width={a.width},height={a.height},framerate={a.fps}/1 "
        "! valve name=gate drop=false "
    )
    # clockoverlay/timeoverlay live in the pango plugin (Debian: gstreamer1.0-x); without it the picture has no clock.
    if has("clockoverlay"):
        label = a.label.replace('"', "'")
        video += (
            f'! clockoverlay time-format="%Y-%m-%d %H:%M:%S" halignment=left valignment=top '
            f'font-desc="Sans {max(8, a.height // 16)}" shaded-background=true '
        )
        video += f'! timeoverlay text="{label}" halignment=right valignment=bottom font-desc="Sans {max(6, a.height // 24)}" '
    video += (
        f"! videoconvert ! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={a.keyint} "
        f"bitrate={a.bitrate} bframes=0 "
        "! video/x-h264,profile=baseline ! rtph264pay name=pay0 pt=96 config-interval=1"
    )
    launch = f"( {video}"
    if a.audio and has("voaacenc"):
        launch += (
            " audiotestsrc is-live=true wave=sine freq=440 volume=0.1 "
            "! audio/x-raw,rate=16000,channels=1 ! audioconvert ! voaacenc bitrate=32000 "
            "! rtpmp4gpay name=pay1 pt=97"
        )
    return launch + " )"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--path", default="/stream")
    p.add_argument("--width", type=int, default=320)
    p.add_argument("--height", type=int, default=240)
    p.add_argument("--fps", type=int, default=15)
    p.add_argument("--keyint", type=int, default=15, help="frames between keyframes (segments cut only at keyframes)")
    p.add_argument("--bitrate", type=int, default=300, help="kbit/s")
    p.add_argument("--label", default="ROOM CAMERA")
    p.add_argument("--pattern", default="ball")
    p.add_argument("--audio", action="store_true")
    a = p.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(a.port))
    factory = GstRtspServer.RTSPMediaFactory()
    factory.set_launch(pipeline(a))
    # One encoder for every client (a recorder and a live view see the same picture), RTP over TCP only.
    factory.set_shared(True)
    factory.set_protocols(GstRtsp.RTSPLowerTrans.TCP)
    server.get_mount_points().add_factory(a.path, factory)

    # SIGUSR1: picture off / on (the valve drops frames; the live clock keeps running, so timestamps jump).
    state = {"drop": False, "valves": []}

    def on_configure(_factory, media):
        gate = media.get_element().get_by_name("gate")
        if gate is not None:
            gate.set_property("drop", state["drop"])
            state["valves"].append(gate)

    def toggle_picture():
        state["drop"] = not state["drop"]
        for gate in state["valves"]:
            gate.set_property("drop", state["drop"])
        print(f"PICTURE {'OFF' if state['drop'] else 'ON'}", flush=True)
        return True

    factory.connect("media-configure", on_configure)
    if server.attach(None) == 0:
        print(f"ERROR could not bind 127.0.0.1:{a.port}", file=sys.stderr, flush=True)
        return 2

    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_HIGH, sig, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGUSR1, toggle_picture)
    print(f"READY {server.get_bound_port()}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())

/**
 * The clock a simulated room camera burns into its picture. Cameras in Chinese interrogation rooms show Beijing
 * time; a camera's clock also drifts (the standard allows ~3 s a day, real ones are often minutes off). GStreamer's
 * clockoverlay draws the process's local time, so both are set through the POSIX TZ of the camera process:
 * "CST-8" is UTC+8, and "CST-8:00:37" a Beijing clock running 37 s fast.
 */
export const BEIJING_UTC_OFFSET_MINUTES = 480;

/** POSIX TZ for a clock at `utcOffsetMinutes` east of UTC, running `skewMs` ahead of real time (whole seconds). */
export function cameraTz(utcOffsetMinutes = BEIJING_UTC_OFFSET_MINUTES, skewMs = 0): string {
  // POSIX offsets are west-positive: local = UTC − offset.
  const total = -(utcOffsetMinutes * 60 + Math.round(skewMs / 1000));
  const sign = total < 0 ? '-' : '+';
  const abs = Math.abs(total);
  const hh = Math.floor(abs / 3600);
  const mm = Math.floor((abs % 3600) / 60);
  const ss = abs % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `CAM${sign}${hh}:${pad(mm)}:${pad(ss)}`;
}

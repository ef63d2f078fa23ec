import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

/** Linux /proc readings for one process. Every reader returns null once the process is gone. */

export interface MemReading {
  /** Resident set size now, KiB. */
  rssKb: number;
  /** Peak resident set size ("high water mark") since start or since the last resetPeak(), KiB. */
  hwmKb: number;
}

export function readMem(pid: number): MemReading | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return null;
  }
  const field = (name: string) => {
    const m = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text);
    return m ? Number(m[1]) : NaN;
  };
  const rssKb = field('VmRSS');
  const hwmKb = field('VmHWM');
  return Number.isFinite(rssKb) ? { rssKb, hwmKb } : null;
}

/** Clock ticks per second for /proc/<pid>/stat (USER_HZ; 100 on every Linux this runs on). */
const CLK_TCK = 100;

/**
 * The fields of /proc/<pid>/stat after comm, so index 0 is field 3 (state): comm (field 2) may hold spaces and
 * parentheses, so the split starts after the last ')'. Null once the process is gone.
 */
function readStatFields(pid: number): string[] | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** Sum of two clock-tick fields of a stat line, in seconds. */
function statSeconds(rest: string[], a: number, b: number): number | null {
  const s = (Number(rest[a]) + Number(rest[b])) / CLK_TCK;
  return Number.isFinite(s) ? s : null;
}

/** User + system CPU seconds the process has used so far (utime, stime: fields 14 and 15). */
export function readCpuSeconds(pid: number): number | null {
  const rest = readStatFields(pid);
  return rest ? statSeconds(rest, 11, 12) : null;
}

/** Resets VmHWM to the current RSS (`echo 5 > /proc/<pid>/clear_refs`, Linux ≥ 4.0; needs the same uid or root). */
export function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export { isAlive } from '../../src/runtime/process-alive.js';

/** The command line of a live process ('' when gone), to avoid signalling a recycled pid. */
export function cmdlineOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
  } catch {
    return '';
  }
}

export interface MemSummary {
  samples: number;
  /** Largest VmRSS among the 100 ms samples, KiB. */
  maxSampledRssKb: number;
  /** VmHWM at the end of the window, KiB (kernel-tracked peak: catches spikes between samples). */
  hwmKb: number;
  /** [ms since start, VmRSS KiB] pairs, thinned to at most ~300 points for the JSON report. */
  curve: Array<[number, number]>;
}

/** Samples VmRSS (and VmHWM) of one process every `intervalMs` until stopped. */
export class MemSampler {
  private timer: NodeJS.Timeout | null = null;
  private readonly started = performance.now();
  private readonly points: Array<[number, number]> = [];
  private maxRss = 0;
  private lastHwm = 0;

  constructor(
    private readonly pid: number,
    intervalMs = 100,
  ) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  private sample(): void {
    const m = readMem(this.pid);
    if (!m) return;
    this.points.push([Math.round(performance.now() - this.started), m.rssKb]);
    this.maxRss = Math.max(this.maxRss, m.rssKb);
    if (Number.isFinite(m.hwmKb)) this.lastHwm = m.hwmKb;
  }

  stop(): MemSummary {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.sample();
    const step = Math.max(1, Math.ceil(this.points.length / 300));
    const curve = this.points.filter((_, i) => i % step === 0 || i === this.points.length - 1);
    return { samples: this.points.length, maxSampledRssKb: this.maxRss, hwmKb: this.lastHwm, curve };
  }
}

export interface IoCounters {
  /** Bytes passed to read-type / write-type syscalls (sockets and files alike). */
  rchar: number;
  wchar: number;
  /** Number of read-type / write-type syscalls. */
  syscr: number;
  syscw: number;
  /** Bytes the process caused to be fetched from / sent to storage. */
  readBytes: number;
  writeBytes: number;
}

/** /proc/<pid>/io (all threads of the process, libuv's thread pool included). */
export function readIo(pid: number): IoCounters | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/io`, 'utf8');
  } catch {
    return null;
  }
  const f = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
  return { rchar: f('rchar'), wchar: f('wchar'), syscr: f('syscr'), syscw: f('syscw'), readBytes: f('read_bytes'), writeBytes: f('write_bytes') };
}

export function ioDelta(a: IoCounters, b: IoCounters): IoCounters {
  return { rchar: b.rchar - a.rchar, wchar: b.wchar - a.wchar, syscr: b.syscr - a.syscr, syscw: b.syscw - a.syscw, readBytes: b.readBytes - a.readBytes, writeBytes: b.writeBytes - a.writeBytes };
}

/** Busy and total CPU seconds of the whole machine so far (/proc/stat, all CPUs summed). */
export function readMachineCpu(): { busySeconds: number; totalSeconds: number } | null {
  let text: string;
  try {
    text = readFileSync('/proc/stat', 'utf8');
  } catch {
    return null;
  }
  const line = text.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) return null;
  // user nice system idle iowait irq softirq steal (guest time is already inside user)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busySeconds: busy / CLK_TCK, totalSeconds: (busy + idle + iowait) / CLK_TCK };
}

/** CPU seconds of the process's children that have exited and been reaped (cutime, cstime: fields 16 and 17). */
export function readReapedChildrenCpuSeconds(pid: number): number | null {
  const rest = readStatFields(pid);
  return rest ? statSeconds(rest, 13, 14) : null;
}

/** Direct children of a process right now (every thread's /proc/<pid>/task/<tid>/children). */
export function childPids(pid: number): number[] {
  const out = new Set<number>();
  let tasks: string[];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  for (const tid of tasks) {
    try {
      for (const s of readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ')) if (s.trim()) out.add(Number(s));
    } catch {
      // thread gone meanwhile
    }
  }
  return [...out];
}

/** One child process of a watched process, as seen by polling /proc. Times are in the watcher's clock. */
export interface ChildRun {
  pid: number;
  /** The command line once exec'd (a wrapper such as `setpriv … --` execs the real binary under the same pid). */
  cmdline: string;
  /** First seen running / last seen running / first seen gone or a zombie: each within one polling interval. */
  firstSeen: number;
  lastSeen: number;
  ended: number | null;
  /** User + system CPU seconds at the last reading (misses at most one interval of CPU). */
  cpuSeconds: number;
}

/**
 * Notes every child a process starts (ffmpeg, ffprobe, …) with when it ran and the CPU it used, by polling /proc
 * every `intervalMs`: a timeline of the real work inside a service without touching the service.
 */
export class ChildWatcher {
  private readonly timer: NodeJS.Timeout;
  private readonly live = new Map<number, ChildRun>();
  private readonly done: ChildRun[] = [];
  /** Between fork and exec a child still shows its parent's command line. */
  private readonly parentCmdline: string;

  constructor(
    private readonly pid: number,
    private readonly clock: () => number = Date.now,
    intervalMs = 10,
  ) {
    this.parentCmdline = cmdlineOf(pid);
    this.timer = setInterval(() => this.poll(), intervalMs);
  }

  private poll(): void {
    const now = this.clock();
    const running = new Set<number>();
    for (const cpid of childPids(this.pid)) {
      const rest = readStatFields(cpid);
      if (!rest || rest[0] === 'Z') continue; // exited, not yet reaped: over
      running.add(cpid);
      let run = this.live.get(cpid);
      if (!run) {
        run = { pid: cpid, cmdline: '', firstSeen: now, lastSeen: now, ended: null, cpuSeconds: 0 };
        this.live.set(cpid, run);
      }
      run.lastSeen = now;
      const cpu = statSeconds(rest, 11, 12);
      if (cpu !== null) run.cpuSeconds = cpu;
      if (!run.cmdline || run.cmdline === this.parentCmdline || run.cmdline.includes('setpriv')) {
        run.cmdline = cmdlineOf(cpid) || run.cmdline;
      }
    }
    for (const [cpid, run] of this.live) {
      if (running.has(cpid)) continue;
      run.ended = now;
      this.done.push(run);
      this.live.delete(cpid);
    }
  }

  /** Children still running. */
  running(): ChildRun[] {
    return [...this.live.values()];
  }

  /** Every child seen so far, finished ones first. */
  runs(): ChildRun[] {
    return [...this.done, ...this.live.values()];
  }

  stop(): ChildRun[] {
    clearInterval(this.timer);
    this.poll();
    return this.runs();
  }
}

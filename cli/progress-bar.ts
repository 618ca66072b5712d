// A transfer's progress on stderr: one bar redrawn in place with "\r" on a terminal, or a few
// plain lines (start, every quarter, end) when stderr is a file or a pipe, so logs stay short.
import type { Progress } from '../client/toy-session';

const WIDTH = 24;
/** Redraws at most this often on a terminal: a fast transfer would otherwise flood it. */
const REDRAW_MS = 50;

export class ProgressBar {
  private lastDraw = 0;
  private lastQuarter = -1;
  private drawn = false;

  constructor(
    private readonly label: string,
    private readonly stream: NodeJS.WritableStream & { readonly isTTY?: boolean } = process.stderr,
  ) {}

  update(progress: Progress): void {
    const fraction = progress.total > 0 ? Math.min(1, progress.bytesDone / progress.total) : 1;
    if (this.stream.isTTY) {
      const now = Date.now();
      if (fraction < 1 && now - this.lastDraw < REDRAW_MS) return;
      this.lastDraw = now;
      const filled = Math.round(fraction * WIDTH);
      this.stream.write(`\r${this.label} [${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${percent(fraction)} ${sizes(progress)}`);
      this.drawn = true;
      return;
    }
    const quarter = Math.floor(fraction * 4);
    if (quarter === this.lastQuarter) return;
    this.lastQuarter = quarter;
    this.stream.write(`${this.label}: ${percent(fraction)} ${sizes(progress)}\n`);
  }

  /** Ends the bar's line on a terminal (call once the transfer is over, however it ended). */
  finish(): void {
    if (this.drawn) this.stream.write('\n');
    this.drawn = false;
  }
}

function percent(fraction: number): string {
  return `${Math.floor(fraction * 100)}%`.padStart(4);
}

function sizes(progress: Progress): string {
  return `${kilobytes(progress.bytesDone)}/${kilobytes(progress.total)} kB`;
}

export function kilobytes(bytes: number): string {
  return (bytes / 1000).toFixed(1);
}

/**
 * Transfer options that drive a ProgressBar. `plainLines: false` shows nothing unless `stream` is
 * a terminal (the demo keeps its narration clean in logs).
 */
export function transferProgress(
  label: string,
  stream: NodeJS.WritableStream & { readonly isTTY?: boolean },
  options: { readonly plainLines: boolean },
): { onProgress(progress: Progress): void; finish(): void } {
  if (!stream.isTTY && !options.plainLines) return { onProgress: () => undefined, finish: () => undefined };
  const bar = new ProgressBar(label, stream);
  return { onProgress: (progress) => bar.update(progress), finish: () => bar.finish() };
}

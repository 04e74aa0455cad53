/**
 * Progress of a long run on stderr: a bar with rate and ETA on a terminal (cli-progress), one line every
 * LINE_EVERY inputs otherwise (a log file or CI keeps a readable record instead of carriage returns), nothing with
 * --quiet.
 */
import { MultiBar } from 'cli-progress';

/** Inputs between two progress lines when stderr is not a terminal. */
export const LINE_EVERY = 100;

export interface Progress {
  /** One more input done (explained or skipped). */
  tick(): void;
  /** Prints a line of the results table on stdout; above the bar when both are on the terminal. */
  print(line: string): void;
  /** The run ended (or failed): the bar is closed, a last line printed. */
  stop(): void;
}

const toStdout = (line: string) => console.log(line);

export function startProgress(total: number, mode: 'bar' | 'lines' | 'none'): Progress {
  // One input needs no progress report: its result line follows at once.
  if (mode === 'none' || total <= 1) return { tick: () => undefined, print: toStdout, stop: () => undefined };
  const started = Date.now();
  let done = 0;
  const rate = () => done / Math.max((Date.now() - started) / 1000, 1e-3);
  if (mode === 'bar') {
    const bars = new MultiBar({
      stream: process.stderr,
      format: 'gcam {bar} {value}/{total} inputs | {rate}/s | ETA {eta_formatted}',
      etaBuffer: 50,
      hideCursor: true,
      clearOnComplete: false,
    });
    const bar = bars.create(total, 0, { rate: '0.0' });
    return {
      tick: () => bar.update(++done, { rate: rate().toFixed(1) }),
      // A line written past the bar would be torn by its next redraw; the bar's own log keeps it above.
      print: (line) => (process.stdout.isTTY ? bars.log(line + '\n') : toStdout(line)),
      stop: () => bars.stop(),
    };
  }
  const line = () => {
    const eta = done < total ? `, ETA ${Math.ceil((total - done) / rate())} s` : '';
    console.error(`gcam: ${done}/${total} inputs, ${rate().toFixed(1)}/s${eta}`);
  };
  return {
    print: toStdout,
    tick: () => {
      done++;
      if (done % LINE_EVERY === 0 && done < total) line();
    },
    stop: () => {
      if (done > 0) line();
    },
  };
}

/**
 * Progress on long work (initializing or loading hundreds of MB, running a big model on the
 * reference backend): a bar on a terminal, nothing when the output is not a terminal.
 */
import cliProgress from "cli-progress";

export interface Progress {
  update(done: number, total: number): void;
  stop(): void;
}

const SILENT: Progress = { update: () => {}, stop: () => {} };

/** A bar labelled `label`, shown only on a terminal and only for work that is large. */
export function progress(label: string, total: number, minTotal = 1): Progress {
  if (!process.stderr.isTTY || total < minTotal) return SILENT;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {eta_formatted} left`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return {
    update: (done: number) => bar.update(done),
    stop: () => bar.stop(),
  };
}

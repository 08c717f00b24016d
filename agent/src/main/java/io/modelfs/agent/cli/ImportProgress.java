package io.modelfs.agent.cli;

import io.modelfs.origin.Importer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** A progress bar on stderr for imports large enough to need one. */
final class ImportProgress implements Importer.Listener, AutoCloseable {
  private static final long SHOW_ABOVE_BYTES = 64L << 20;
  private final String task;
  private volatile ProgressBar bar;

  ImportProgress(String task) {
    this.task = task;
  }

  @Override
  public void started(long totalBytes, int files) {
    if (totalBytes >= SHOW_ABOVE_BYTES) {
      bar = ProgressBars.bytes(task + " (" + files + " files)", totalBytes);
    }
  }

  @Override
  public void hashed(long bytes) {
    ProgressBar b = bar;
    if (b != null) {
      b.stepBy(bytes);
    }
  }

  @Override
  public void close() {
    ProgressBar b = bar;
    bar = null;
    if (b != null) {
      b.close();
    }
  }

  /** The one place progress bars are styled. */
  static final class ProgressBars {
    private ProgressBars() {}

    static ProgressBar bytes(String task, long total) {
      return new ProgressBarBuilder()
          .setTaskName(task)
          .setInitialMax(total)
          .setStyle(ProgressBarStyle.ASCII)
          .setUnit("MiB", 1 << 20)
          .setUpdateIntervalMillis(250)
          .showSpeed()
          .setConsumer(new me.tongfei.progressbar.ConsoleProgressBarConsumer(System.err))
          .build();
    }
  }
}

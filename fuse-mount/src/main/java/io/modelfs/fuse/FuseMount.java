package io.modelfs.fuse;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A live read-only FUSE mount of the models a {@link ModelCatalog} has: {@link #mount}
 * returns once the kernel lists the mount, {@link #close} detaches it. The layout is
 * {@code <dir>/<name>@sha256:<hex>/<files of the manifest>}; a model's directory appears when
 * its ref is first looked up. libfuse's session runs on a daemon thread of its own, its
 * requests on Java worker threads ({@link SessionLoop}).
 */
public final class FuseMount implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(FuseMount.class);
  static final Path DEV_FUSE = Path.of("/dev/fuse");
  static final int MAX_READ = 128 << 10;
  private static final Duration EXIT_WAIT = Duration.ofSeconds(5);

  /** Threads that read safetensors headers for {@link FormatPrefetch}. */
  private static final int BACKGROUND_THREADS = 2;

  private final Path dir;
  private final FuseAdapter adapter;
  private final Thread loop;
  private final ExecutorService background;
  private final AtomicBoolean closed = new AtomicBoolean();

  private FuseMount(Path dir, FuseAdapter adapter, Thread loop, ExecutorService background) {
    this.dir = dir;
    this.adapter = adapter;
    this.loop = loop;
    this.background = background;
  }

  /**
   * Mounts {@code catalog}'s models on {@code dir}, creating it if missing and detaching a
   * stale mount a crashed process left there. Fails if FUSE is unavailable, if {@code dir} is
   * a live mount or not empty, or if the mount is not live within {@code config.mountTimeout()}.
   */
  public static FuseMount mount(Path dir, ModelCatalog catalog, MountConfig config) throws IOException {
    return mount(dir, catalog, config, FuseListener.NONE);
  }

  /** As above, telling {@code listener} about every callback answered (for metrics). */
  public static FuseMount mount(Path dir, ModelCatalog catalog, MountConfig config, FuseListener listener)
      throws IOException {
    Path point = dir.toAbsolutePath().normalize();
    if (!Files.exists(DEV_FUSE)) {
      throw new IOException("cannot mount " + point + ": " + DEV_FUSE + " does not exist (load the fuse kernel module, "
          + "or give the container the device: --device /dev/fuse --cap-add SYS_ADMIN)");
    }
    MountDirectory.prepare(point);
    ExecutorService background = backgroundThreads(point);
    FuseAdapter adapter;
    try {
      adapter = newAdapter(new ModelFileSystem(catalog, config, Clock.systemUTC(), background), listener);
    } catch (IOException e) {
      background.shutdownNow();
      throw e;
    }
    String[] options = options(config);
    CompletableFuture<Void> exited = new CompletableFuture<>();
    SessionLoop session = new SessionLoop(point, argv(point, options), adapter.operations());
    Thread loop = new Thread(() -> {
      try {
        // Our own loop on Java threads (see SessionLoop); returns when the mount goes away.
        session.run();
        exited.complete(null);
      } catch (Throwable e) {
        exited.completeExceptionally(e);
      }
    }, "modelfs-fuse " + point);
    loop.setDaemon(true);
    loop.start();
    try {
      awaitMounted(point, session, exited, options, config.mountTimeout());
    } catch (IOException | RuntimeException e) {
      background.shutdownNow();
      throw e;
    }
    String readahead = KernelReadahead.set(point, config.kernelReadaheadKb());
    log.info("Mounted modelfs at {} with {}; {}", point, String.join(" ", options), readahead);
    return new FuseMount(point, adapter, loop, background);
  }

  /** The directory the models are mounted on. */
  public Path mountPoint() {
    return dir;
  }

  /**
   * Unmounts (lazily: files still open keep working until closed) and waits for the kernel to
   * drop the mount. Calling it again does nothing.
   */
  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    background.shutdownNow();
    MountDirectory.unmount(dir, EXIT_WAIT);
    adapter.markUnmounted();
    try {
      loop.join(EXIT_WAIT.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (loop.isAlive()) {
      log.info("Unmounted {}; libfuse keeps serving files that are still open until they are closed", dir);
    } else {
      log.info("Unmounted {}", dir);
    }
  }

  /** libfuse's command line: program name, foreground, the mount point, then {@code options}. */
  static String[] argv(Path point, String[] options) {
    List<String> a = new ArrayList<>(List.of("modelfs", "-f", point.toString()));
    a.addAll(List.of(options));
    return a.toArray(new String[0]);
  }

  /** The libfuse command-line options for {@code config}. */
  static String[] options(MountConfig config) {
    List<String> o = new ArrayList<>(List.of("ro"));
    if (config.allowOther()) {
      o.add("allow_other");
    }
    // The kernel checks permissions from the modes we report; kernel_cache keeps page-cache
    // data across opens and the long timeouts keep lookups: both safe because content is
    // immutable. use_ino makes st_ino ours (stable across mounts).
    o.addAll(List.of("default_permissions", "kernel_cache", "use_ino",
        "fsname=" + config.fsName(), "subtype=modelfs",
        "entry_timeout=" + seconds(config.entryTimeout()), "attr_timeout=" + seconds(config.attrTimeout()),
        "max_read=" + MAX_READ));
    o.addAll(config.extraOptions());
    return new String[] {"-o", String.join(",", o)};
  }

  private static ExecutorService backgroundThreads(Path point) {
    AtomicInteger n = new AtomicInteger();
    return Executors.newFixedThreadPool(BACKGROUND_THREADS, r -> {
      Thread t = new Thread(r, "modelfs-prefetch-" + n.incrementAndGet() + " " + point);
      t.setDaemon(true);
      return t;
    });
  }

  private static String seconds(Duration d) {
    return BigDecimal.valueOf(d.toMillis(), 3).stripTrailingZeros().toPlainString();
  }

  private static FuseAdapter newAdapter(ModelFileSystem fs, FuseListener listener) throws IOException {
    try {
      return new FuseAdapter(fs, listener);
    } catch (LinkageError | RuntimeException e) {
      throw new IOException("cannot load libfuse 2 (libfuse.so.2): install it (Debian: apt-get install libfuse2): " + e, e);
    }
  }

  private static void awaitMounted(Path point, SessionLoop session, CompletableFuture<Void> exited, String[] options,
      Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (;;) {
      if (exited.isDone()) {
        String why = exited.handle((ok, e) -> e == null ? "it exited" : e.toString()).join();
        throw new IOException("libfuse did not mount " + point + " with " + String.join(" ", options) + ": " + why
            + " (libfuse prints its reason on the process's stderr)");
      }
      if (System.nanoTime() - deadline >= 0) {
        // It may still come up: do not leave it behind. A loop not yet mounted unmounts itself
        // when fuse_setup returns; one already serving is unmounted here.
        if (!session.abandon() || MountTable.find(point).isPresent()) {
          MountDirectory.unmount(point, Duration.ofSeconds(1));
        }
        throw new IOException("the mount at " + point + " did not go live within " + timeout);
      }
      if (MountTable.find(point).isPresent()) {
        return;
      }
      MountDirectory.sleep(10);
    }
  }
}

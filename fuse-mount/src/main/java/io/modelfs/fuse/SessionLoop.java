package io.modelfs.fuse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.byref.IntByReference;
import jnr.ffi.byref.PointerByReference;
import jnr.ffi.types.size_t;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import ru.serce.jnrfuse.struct.FuseOperations;

/**
 * libfuse 2's multi-threaded session loop, run on Java threads: {@code fuse_setup} mounts,
 * worker threads each take a request from the kernel ({@code fuse_session_receive_buf}) and
 * answer it ({@code fuse_session_process_buf}), and {@code fuse_teardown} unmounts once the
 * kernel has dropped the mount and every worker has seen it.
 *
 * <p>Design note. jnr-fuse's {@code fuse_main_real} runs libfuse's own loop, whose worker
 * threads are native: jffi attaches such a thread to the JVM at the start of every callback and
 * detaches it at the end (a new {@link Thread} per request: 4,105 thread starts for 4,096 reads
 * of 128 KiB in a JFR recording of a cold 512 MiB read), and libfuse stops and starts workers as
 * reads block and wake. A Java thread is attached for its whole life, so here a callback costs
 * a call, nothing more. The loop starts {@value #FIRST_WORKERS} workers and adds one whenever
 * none is waiting for a request (a read blocked on a chunk fetch holds its worker), up to
 * {@value #MAX_WORKERS}; idle workers sleep in the kernel and cost nothing, so none is stopped.
 *
 * <p>Error contract: {@link #run} returns when the mount is gone; it throws if libfuse cannot
 * mount (its reason is on the process's stderr).
 */
final class SessionLoop {
  private static final Logger log = LoggerFactory.getLogger(SessionLoop.class);
  static final int FIRST_WORKERS = 4;
  static final int MAX_WORKERS = 64;
  private static final int EINTR = 4;

  /** The parts of libfuse 2 the loop calls (all exported by libfuse.so.2 since 2.9). */
  public interface LibFuseSession {
    Pointer fuse_setup(int argc, String[] argv, FuseOperations op, @size_t long opSize, PointerByReference mountpoint,
        IntByReference multithreaded, Pointer userData);

    void fuse_teardown(Pointer fuse, Pointer mountpoint);

    Pointer fuse_get_session(Pointer fuse);

    Pointer fuse_session_next_chan(Pointer session, Pointer channel);

    @size_t
    long fuse_chan_bufsize(Pointer channel);

    int fuse_session_receive_buf(Pointer session, Pointer buf, PointerByReference channel);

    void fuse_session_process_buf(Pointer session, Pointer buf, Pointer channel);

    int fuse_session_exited(Pointer session);

    void fuse_session_exit(Pointer session);
  }

  /** {@code struct fuse_buf} of libfuse 2.9 (x86-64 / aarch64 layout: 40 bytes). */
  static final class FuseBuf extends Struct {
    final size_t size = new size_t();
    final Signed32 flags = new Signed32();
    final Pointer mem = new Pointer();
    final Signed32 fd = new Signed32();
    final Signed64 pos = new Signed64();

    FuseBuf(Runtime runtime) {
      super(runtime);
    }
  }

  private static volatile LibFuseSession lib;

  private final String[] argv;
  private final FuseOperations operations;
  private final String name;
  private final List<Thread> workers = new ArrayList<>();
  private final AtomicInteger waiting = new AtomicInteger();
  private Pointer session;
  private Pointer channel;
  private long bufferSize;
  /** Guarded by {@code workers}: the caller gave up waiting for the mount (see {@link #abandon}). */
  private boolean abandoned;
  /** Guarded by {@code workers}: {@code fuse_setup} has mounted and the workers were started. */
  private boolean serving;

  /**
   * @param argv libfuse's command line: program name, {@code -f}, the mount point, options
   * @param operations jnr-fuse's callbacks
   */
  SessionLoop(Path point, String[] argv, FuseOperations operations) {
    this.argv = argv.clone();
    this.operations = operations;
    this.name = "modelfs-fuse-worker " + point;
  }

  private static LibFuseSession lib() {
    LibFuseSession l = lib;
    if (l == null) {
      l = LibraryLoader.create(LibFuseSession.class).failImmediately().load("libfuse.so.2");
      lib = l;
    }
    return l;
  }

  /** Mounts, serves requests until the mount goes away, then unmounts; on the caller's thread. */
  void run() throws IOException {
    LibFuseSession fuse = lib();
    PointerByReference mountpoint = new PointerByReference();
    Pointer f = fuse.fuse_setup(argv.length, argv, operations, Struct.size(operations), mountpoint, new IntByReference(),
        null);
    if (f == null || f.address() == 0) {
      throw new IOException("libfuse could not mount with " + String.join(" ", argv)
          + " (libfuse prints its reason on the process's stderr)");
    }
    try {
      session = fuse.fuse_get_session(f);
      channel = fuse.fuse_session_next_chan(session, null);
      bufferSize = fuse.fuse_chan_bufsize(channel);
      synchronized (workers) {
        if (abandoned) {
          return; // mounted after the caller stopped waiting: unmount at once (teardown below)
        }
        serving = true;
        for (int i = 0; i < FIRST_WORKERS; i++) {
          startWorker();
        }
      }
      joinWorkers();
    } finally {
      fuse.fuse_teardown(f, mountpoint.getValue());
    }
  }

  /**
   * Tells a loop whose mount the caller no longer waits for to unmount as soon as
   * {@code fuse_setup} has mounted, instead of serving. Returns false if it already serves: then
   * the mount is up (or about to be listed) and the caller must unmount it. Without this a mount
   * that came up after its timeout (a start-up at load 100: issue 8's fan-out) stayed mounted
   * with nobody to unmount it.
   */
  boolean abandon() {
    synchronized (workers) {
      abandoned = true;
      return !serving;
    }
  }

  /** Waits for every worker, even when interrupted: teardown must not run under a live worker. */
  private void joinWorkers() {
    boolean interrupted = false;
    for (int i = 0; ; i++) {
      Thread t;
      synchronized (workers) {
        if (i >= workers.size()) {
          break;
        }
        t = workers.get(i);
      }
      while (t.isAlive()) {
        try {
          t.join();
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  /** Caller holds {@code workers}. */
  private void startWorker() {
    Thread t = new Thread(this::serve, name + " #" + (workers.size() + 1));
    t.setDaemon(true);
    workers.add(t);
    waiting.incrementAndGet();
    t.start();
  }

  private void serve() {
    LibFuseSession fuse = lib();
    Runtime runtime = Runtime.getSystemRuntime();
    Pointer memory = Memory.allocateDirect(runtime, bufferSize);
    FuseBuf buf = new FuseBuf(runtime);
    Pointer bufPointer = Memory.allocateDirect(runtime, Struct.size(buf));
    buf.useMemory(bufPointer);
    try {
      while (fuse.fuse_session_exited(session) == 0) {
        buf.size.set(bufferSize);
        buf.flags.set(0);
        buf.mem.set(memory);
        buf.fd.set(-1);
        buf.pos.set(0);
        PointerByReference from = new PointerByReference(channel);
        int res = fuse.fuse_session_receive_buf(session, bufPointer, from);
        if (res == -EINTR) {
          continue;
        }
        if (res <= 0) {
          if (res < 0) {
            log.warn("reading a request from the kernel failed (errno {}); stopping the session", -res);
            fuse.fuse_session_exit(session);
          }
          return;
        }
        if (waiting.decrementAndGet() == 0) {
          synchronized (workers) {
            if (workers.size() < MAX_WORKERS) {
              startWorker();
            }
          }
        }
        try {
          fuse.fuse_session_process_buf(session, bufPointer, from.getValue());
        } finally {
          waiting.incrementAndGet();
        }
      }
    } catch (RuntimeException | Error e) {
      log.error("FUSE worker {} failed; stopping the session", Thread.currentThread().getName(), e);
      fuse.fuse_session_exit(session);
    }
  }
}

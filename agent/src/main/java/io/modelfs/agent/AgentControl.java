package io.modelfs.agent;

import io.modelfs.agent.control.ControlService;
import io.modelfs.core.ModelRef;
import io.modelfs.core.proto.AgentStatus;
import io.modelfs.core.proto.ControlRequest;
import io.modelfs.core.proto.ControlResponse;
import io.modelfs.core.proto.PullProgress;
import io.modelfs.store.ChunkStore;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Answers control requests: {@code pull} with progress every quarter second, and {@code status}. */
final class AgentControl implements ControlService {
  private static final Logger log = LoggerFactory.getLogger(AgentControl.class);
  private static final long PROGRESS_MILLIS = 250;

  private final AgentCatalog catalog;
  private final ChunkStore store;
  private final Puller puller;
  private final AgentConfig config;
  private final Supplier<AgentStatus> status;

  AgentControl(AgentCatalog catalog, ChunkStore store, Puller puller, AgentConfig config) {
    this(catalog, store, puller, config, null);
  }

  /** As above, answering {@code status} with {@code status} (the node view of {@link NodeStatus}). */
  AgentControl(AgentCatalog catalog, ChunkStore store, Puller puller, AgentConfig config, Supplier<AgentStatus> status) {
    this.catalog = catalog;
    this.store = store;
    this.puller = puller;
    this.config = config;
    this.status = status;
  }

  @Override
  public void handle(ControlRequest request, Responder out) throws IOException {
    switch (request.getCommandCase()) {
      case PULL -> pull(refOf(request.getPull().getRef()), request.getPull().getPin(), out);
      case STATUS -> out.send(ControlResponse.newBuilder().setStatus(status()).build());
      case STORE_LIST, GC, VERIFY, UNPIN -> out.send(new StoreControl(catalog, store, config.store()).handle(request));
      default -> throw new IOException("unknown control command " + request.getCommandCase()
          + "; the client may be newer than this agent");
    }
  }

  /**
   * {@code name@sha256:<hex>} as it is, or {@code NAME[:TAG]} resolved through the tracker
   * (tag "latest" when none); an IOException naming the text when it is neither.
   */
  private ModelRef refOf(String text) throws IOException {
    if (text.contains("@")) {
      try {
        return ModelRef.parse(text);
      } catch (IllegalArgumentException e) {
        throw new IOException("'" + text + "' is not a model ref (name@sha256:<64 hex>): " + e.getMessage());
      }
    }
    if (!catalog.resolvesNames()) {
      throw new IOException("'" + text + "' is a name, not a ref (name@sha256:<hex>); names resolve only through a"
          + " tracker, and this agent runs without --tracker");
    }
    ModelRef ref = catalog.resolveName(text).orElseThrow(() -> new IOException(
        "the tracker knows no model named '" + text + "' (publish it with 'modelfs import ... --tracker')"));
    log.info("pull: '{}' resolves to {}", text, ref);
    return ref;
  }

  private void pull(ModelRef ref, boolean pin, Responder out) throws IOException {
    try (var mdc = org.slf4j.MDC.putCloseable("model", ref.toString())) { // on this pull's log lines (issue 10)
      pullLogged(ref, pin, out);
    }
  }

  private void pullLogged(ModelRef ref, boolean pin, Responder out) throws IOException {
    long start = System.nanoTime();
    StoredModel model = puller.resolve(ref);
    Puller.Progress progress = Puller.progressOf(model);
    log.info("pull of {} started: {} chunks", ref, progress.chunksTotal);
    CompletableFuture<Void> done = CompletableFuture.runAsync(() -> {
      try {
        puller.pull(model, progress, pin);
      } catch (IOException e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    });
    while (true) {
      try {
        done.get(PROGRESS_MILLIS, TimeUnit.MILLISECONDS);
        break;
      } catch (TimeoutException e) {
        out.send(ControlResponse.newBuilder().setProgress(snapshot(ref, progress, start)).build());
      } catch (ExecutionException e) {
        Throwable cause = e.getCause() instanceof java.util.concurrent.CompletionException ce ? ce.getCause() : e.getCause();
        log.warn("pull of {} failed: {}", ref, cause.getMessage());
        throw cause instanceof IOException io ? io : new IOException(cause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
    PullProgress last = snapshot(ref, progress, start);
    log.info("pull of {} done: {} bytes ({} already local, {} from peers, {} from the origin) in {} ms", ref,
        last.getBytesDone(), last.getBytesLocal(), last.getBytesPeer(), last.getBytesOrigin(), last.getElapsedMillis());
    out.send(ControlResponse.newBuilder().setDone(last).build());
  }

  private static PullProgress snapshot(ModelRef ref, Puller.Progress p, long startNanos) {
    return PullProgress.newBuilder()
        .setRef(ref.toString())
        .setChunksDone(p.chunksDone.get())
        .setChunksTotal(p.chunksTotal)
        .setBytesDone(p.bytesDone.get())
        .setBytesTotal(p.bytesTotal)
        .setBytesLocal(p.bytesLocal.get())
        .setBytesPeer(p.bytesPeer.get())
        .setBytesOrigin(p.bytesOrigin.get())
        .setElapsedMillis((System.nanoTime() - startNanos) / 1_000_000)
        .build();
  }

  private AgentStatus status() {
    if (status != null) {
      return status.get();
    }
    ChunkStore.StoreStats s = store.stats();
    AgentStatus.Builder b = AgentStatus.newBuilder()
        .setMount(config.mount().toString())
        .setStoreDir(config.store().toString())
        .setStoredBytes(s.bytes())
        .setStoredChunks(s.chunks());
    catalog.openRefs().forEach(r -> b.addModels(r.toString()));
    return b.build();
  }
}

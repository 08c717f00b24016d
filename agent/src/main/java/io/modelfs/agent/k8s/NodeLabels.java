package io.modelfs.agent.k8s;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.modelfs.core.Digest;
import io.modelfs.core.ModelRef;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the agent's own Node labelled with the models it holds whole ({@link ModelLabel}), so
 * that the scheduler can place a workload where its model already is.
 *
 * <p>A model is labelled when {@link #modelLocal} says every chunk is local (after a successful
 * {@code modelfs pull}, or when reads through the mount have made it whole); the label is
 * removed as soon as {@link #evicted} reports any of its chunks gone. At start every
 * {@code model.modelfs.io/*} label already on the Node is removed: the agent cannot vouch for
 * what a previous run labelled (chunks may have been evicted while it was down), so a model is
 * labelled again when it is next opened and found whole in the store, or pulled (cheap on a warm
 * node: nothing is fetched).
 *
 * <p>Design: the labelled set has one owner, a single thread that also talks to the API
 * server; callers only queue events, so neither a pull nor the store's eviction (whose listener
 * must not block) waits on the network. A failed request is retried a few times with backoff,
 * then logged; labelling never fails a pull or a read. Thread-safe.
 */
public final class NodeLabels implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(NodeLabels.class);
  private static final int ATTEMPTS = 4;

  private final NodePatcher patcher;
  private final Duration backoff;
  private final ExecutorService owner;
  // Owned by the owner thread.
  private final Map<ModelRef, Set<Digest>> labelled = new HashMap<>();
  private final Map<Digest, Set<ModelRef>> byChunk = new HashMap<>();

  private NodeLabels(NodePatcher patcher, Duration backoff) {
    this.patcher = patcher;
    this.backoff = backoff;
    this.owner = patcher == null ? null : Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "node-labels");
      t.setDaemon(true);
      return t;
    });
  }

  /** Labels nothing: the agent is not running in a cluster (no {@code --node-name}). */
  public static NodeLabels disabled() {
    return new NodeLabels(null, Duration.ZERO);
  }

  /**
   * Labels the Node {@code nodeName} through the API server found the usual way (the pod's
   * service account in a cluster, else {@code KUBECONFIG}); clears stale modelfs labels first.
   */
  public static NodeLabels forNode(String nodeName) {
    Config config = Config.autoConfigure(null);
    config.setRequestRetryBackoffLimit(0); // NodeLabels retries itself, without holding up later changes for long
    config.setRequestTimeout(10_000);
    return using(new KubernetesClientBuilder().withConfig(config).build(), nodeName, Duration.ofSeconds(1));
  }

  /** Labels through {@code client}, which it owns (closes). */
  static NodeLabels using(KubernetesClient client, String nodeName, Duration backoff) {
    if (nodeName == null || nodeName.isBlank()) {
      throw new IllegalArgumentException("node labels need the Node's name (--node-name, or NODE_NAME from the downward API)");
    }
    NodeLabels labels = new NodeLabels(new FabricNodePatcher(client, nodeName), backoff);
    labels.submit(labels::clearStale);
    return labels;
  }

  /** True if this instance labels a Node. */
  public boolean enabled() {
    return owner != null;
  }

  /** Every chunk of {@code ref} (the digests given) is local: label the Node. */
  public void modelLocal(ModelRef ref, Collection<Digest> chunks) {
    Set<Digest> digests = Set.copyOf(chunks);
    submit(() -> {
      if (labelled.containsKey(ref)) {
        return;
      }
      ModelLabel label = ModelLabel.of(ref);
      if (apply("label " + label, Map.of(label.key(), label.value()), Set.of())) {
        labelled.put(ref, digests);
        digests.forEach(d -> byChunk.computeIfAbsent(d, k -> new HashSet<>()).add(ref));
        log.info("Node {} labelled {}: model {} is local", patcher.node(), label, ref);
      }
    });
  }

  /**
   * A chunk left the store: unlabel every labelled model that used it. Has the shape of the
   * chunk store's eviction listener; does not block.
   */
  public void evicted(Digest digest, long size) {
    submit(() -> {
      Set<ModelRef> refs = byChunk.remove(digest);
      if (refs == null) {
        return;
      }
      for (ModelRef ref : refs) {
        Set<Digest> chunks = labelled.remove(ref);
        chunks.forEach(d -> {
          Set<ModelRef> users = byChunk.get(d);
          if (users != null && users.remove(ref) && users.isEmpty()) {
            byChunk.remove(d);
          }
        });
        ModelLabel label = ModelLabel.of(ref);
        if (apply("remove " + label.key(), Map.of(), Set.of(label.key()))) {
          log.info("Node {}: label {} removed, chunk {} of model {} was evicted", patcher.node(), label.key(), digest, ref);
        }
      }
    });
  }

  /** Waits up to {@code timeout} for queued label changes, then stops and closes the client. */
  public void close(Duration timeout) {
    if (owner == null) {
      return;
    }
    owner.shutdown();
    try {
      if (!owner.awaitTermination(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        log.warn("Node {}: label changes still queued after {}; dropping them", patcher.node(), timeout);
        owner.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      owner.shutdownNow();
    }
    patcher.close();
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(5));
  }

  private void clearStale() {
    Set<String> stale = new HashSet<>();
    try {
      patcher.labels().keySet().stream().filter(k -> k.startsWith(ModelLabel.PREFIX)).forEach(stale::add);
    } catch (RuntimeException e) {
      log.warn("Node {}: cannot read its labels to clear stale modelfs labels: {}", patcher.node(), e.toString());
      return;
    }
    if (!stale.isEmpty() && apply("clear " + stale.size() + " stale labels", Map.of(), stale)) {
      log.info("Node {}: cleared {} modelfs labels from an earlier run; a pull labels them again", patcher.node(), stale.size());
    }
  }

  /** One label change with bounded retries; false (logged) if every attempt failed. */
  private boolean apply(String what, Map<String, String> set, Set<String> remove) {
    for (int attempt = 1; ; attempt++) {
      try {
        patcher.patch(set, remove);
        return true;
      } catch (RuntimeException e) {
        if (attempt == ATTEMPTS) {
          log.warn("Node {}: {} failed after {} attempts: {}", patcher.node(), what, ATTEMPTS, e.toString());
          return false;
        }
        try {
          Thread.sleep(backoff.toMillis() << (attempt - 1));
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return false;
        }
      }
    }
  }

  private void submit(Runnable task) {
    if (owner == null) {
      return;
    }
    try {
      owner.execute(() -> {
        try {
          task.run();
        } catch (RuntimeException e) {
          log.warn("Node {}: label bookkeeping failed: {}", patcher.node(), e.toString());
        }
      });
    } catch (RejectedExecutionException e) {
      log.debug("Node {}: label change after close ignored", patcher.node());
    }
  }
}

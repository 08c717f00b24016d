package io.modelfs.agent.k8s;

import java.util.Map;
import java.util.Set;

/**
 * Changes the labels of one Node. Implementations talk to the API server and throw
 * {@link RuntimeException}s (the client's own) on failure; {@link NodeLabels} retries and logs.
 * Called from one thread at a time.
 */
interface NodePatcher extends AutoCloseable {
  /** The Node's labels now. */
  Map<String, String> labels();

  /** Sets {@code set} and removes {@code remove} in one request. */
  void patch(Map<String, String> set, Set<String> remove);

  /** The Node's name, for logs. */
  String node();

  @Override
  void close();
}

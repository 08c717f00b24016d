package io.modelfs.agent.k8s;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.util.Map;
import java.util.Set;
import java.util.StringJoiner;

/**
 * Patches a Node's labels: a JSON merge patch adds, a JSON patch removes, so labels other
 * writers set are left alone. Needs the RBAC verbs {@code get} and {@code patch} on
 * {@code nodes}.
 */
final class FabricNodePatcher implements NodePatcher {
  private final KubernetesClient client;
  private final String node;

  FabricNodePatcher(KubernetesClient client, String node) {
    this.client = client;
    this.node = node;
  }

  @Override
  public Map<String, String> labels() {
    Node n = client.nodes().withName(node).get();
    if (n == null) {
      throw new KubernetesClientException("Node '" + node + "' does not exist (check --node-name / NODE_NAME)");
    }
    Map<String, String> labels = n.getMetadata().getLabels();
    return labels == null ? Map.of() : labels;
  }

  @Override
  public void patch(Map<String, String> set, Set<String> remove) {
    if (!set.isEmpty()) {
      StringJoiner labels = new StringJoiner(",", "{\"metadata\":{\"labels\":{", "}}}");
      set.forEach((k, v) -> labels.add(quote(k) + ":" + quote(v)));
      client.nodes().withName(node).patch(PatchContext.of(PatchType.JSON_MERGE), labels.toString());
    }
    // Removal as a JSON patch of the keys present (a remove of an absent key fails the whole
    // patch); if another writer removed one meanwhile, the patch fails and the caller retries.
    Set<String> present = labels().keySet();
    StringJoiner ops = new StringJoiner(",", "[", "]");
    remove.stream().filter(present::contains)
        .forEach(k -> ops.add("{\"op\":\"remove\",\"path\":" + quote("/metadata/labels/" + k.replace("~", "~0").replace("/", "~1")) + "}"));
    if (ops.length() > 2) {
      client.nodes().withName(node).patch(PatchContext.of(PatchType.JSON), ops.toString());
    }
  }

  /** Label keys and values are checked against Kubernetes' syntax, which has nothing to escape; this is a guard. */
  private static String quote(String s) {
    return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  @Override
  public String node() {
    return node;
  }

  @Override
  public void close() {
    client.close();
  }
}

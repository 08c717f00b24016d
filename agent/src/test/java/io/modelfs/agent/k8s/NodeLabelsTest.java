package io.modelfs.agent.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Node;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.modelfs.core.Digest;
import java.net.InetAddress;
import java.util.HashMap;
import io.modelfs.core.ModelRef;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The agent's Node labels against fabric8's Kubernetes mock server (a real HTTP API server in CRUD mode). */
class NodeLabelsTest {
  private static final Duration BACKOFF = Duration.ofMillis(10);

  private KubernetesMockServer server;
  private KubernetesClient client;

  @BeforeEach
  void startServer() throws Exception {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    // Bound to the loopback address, not "localhost": no name lookup (which Vert.x may send to DNS).
    server.init(InetAddress.getByName("127.0.0.1"), 0);
    client = newClient();
  }

  @AfterEach
  void stopServer() {
    client.close();
    server.destroy();
  }

  private final Digest d1 = Digest.sha256(new byte[] {1});
  private final Digest d2 = Digest.sha256(new byte[] {2});
  private final Digest d3 = Digest.sha256(new byte[] {3});
  private final ModelRef llama = new ModelRef("llama", Digest.sha256(new byte[] {10}));
  private final ModelRef mistral = new ModelRef("mistral", Digest.sha256(new byte[] {11}));

  @Test
  void labelsItsNodeWhenAModelIsLocalAndUnlabelsItWhenOneOfItsChunksIsEvicted() throws Exception {
    createNode("gpu-1", Map.of("topology.kubernetes.io/zone", "a"));
    try (NodeLabels labels = NodeLabels.using(newClient(), "gpu-1", BACKOFF)) {
      labels.modelLocal(llama, List.of(d1, d2));
      labels.modelLocal(mistral, List.of(d2, d3));
      String llamaKey = ModelLabel.of(llama).key();
      String mistralKey = ModelLabel.of(mistral).key();
      awaitLabels("gpu-1", l -> "llama".equals(l.get(llamaKey)) && "mistral".equals(l.get(mistralKey)));

      labels.evicted(Digest.sha256(new byte[] {99}), 1); // no labelled model uses it
      labels.evicted(d1, 8 << 20);
      awaitLabels("gpu-1", l -> !l.containsKey(llamaKey));
      assertEquals("mistral", labels("gpu-1").get(mistralKey), "a model whose chunks are all there keeps its label");

      labels.evicted(d2, 8 << 20);
      awaitLabels("gpu-1", l -> !l.containsKey(mistralKey));
      assertEquals("a", labels("gpu-1").get("topology.kubernetes.io/zone"), "other labels are left alone");

      labels.modelLocal(llama, List.of(d1, d2)); // pulled again
      awaitLabels("gpu-1", l -> l.containsKey(llamaKey));
    }
  }

  @Test
  void clearsModelfsLabelsOfAnEarlierRunAtStartAndKeepsOthers() throws Exception {
    String stale = ModelLabel.of(llama).key();
    createNode("gpu-2", Map.of(stale, "llama", "team", "ml"));
    try (NodeLabels labels = NodeLabels.using(newClient(), "gpu-2", BACKOFF)) {
      awaitLabels("gpu-2", l -> !l.containsKey(stale));
      assertEquals("ml", labels("gpu-2").get("team"));
    }
  }

  @Test
  void anUnreachableOrMissingNodeIsLoggedAndLabellingGoesOnLater() throws Exception {
    NodeLabels labels = NodeLabels.using(newClient(), "gpu-3", BACKOFF);
    try {
      labels.modelLocal(llama, List.of(d1)); // Node gpu-3 does not exist yet: every attempt fails, nothing throws
      labels.close(Duration.ofSeconds(10));
      assertEquals(null, client.nodes().withName("gpu-3").get());
    } finally {
      labels.close(Duration.ofSeconds(1));
    }
    createNode("gpu-3", Map.of());
    try (NodeLabels again = NodeLabels.using(newClient(), "gpu-3", BACKOFF)) {
      again.modelLocal(llama, List.of(d1));
      awaitLabels("gpu-3", l -> l.containsKey(ModelLabel.of(llama).key()));
    }
  }

  @Test
  void disabledLabelsNothing() {
    NodeLabels labels = NodeLabels.disabled();
    assertFalse(labels.enabled());
    labels.modelLocal(llama, List.of(d1));
    labels.evicted(d1, 1);
    labels.close();
  }

  /** A client of its own for the labeller (which closes it), without the client's built-in retries. */
  private KubernetesClient newClient() {
    return server.createClient(b -> b.editOrNewConfig().withRequestRetryBackoffLimit(0).endConfig());
  }

  private void createNode(String name, Map<String, String> labels) {
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata().build()).create();
  }

  private Map<String, String> labels(String node) {
    Node n = client.nodes().withName(node).get();
    return n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
  }

  private void awaitLabels(String node, Predicate<Map<String, String>> condition) throws InterruptedException {
    for (int i = 0; i < 100; i++) {
      if (condition.test(labels(node))) {
        return;
      }
      Thread.sleep(50);
    }
    assertTrue(condition.test(labels(node)), "labels of " + node + " now: " + labels(node));
  }
}

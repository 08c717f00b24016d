package io.modelfs.agent.k8s;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import io.modelfs.agent.Agent;
import io.modelfs.agent.AgentConfig;
import io.modelfs.core.ModelRef;
import io.modelfs.origin.Importer;
import io.modelfs.origin.ManifestStore;
import io.modelfs.origin.Origins;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prefetch-before-scheduling through reads: a real agent with a kernel FUSE mount labels its Node
 * on fabric8's mock API server once reads have made a model whole (no pull), and after a restart
 * — which clears the labels it cannot vouch for — labels it again as soon as the model is opened
 * and found whole in the store, without fetching anything (the origin is gone by then).
 */
class AgentNodeLabelsIT {
  private static final int CS = 64 << 10;

  @TempDir Path tmp;
  private KubernetesMockServer server;
  private KubernetesClient client;
  private Agent agent;

  @BeforeEach
  void startServer() throws Exception {
    server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new KubernetesCrudDispatcher(), false);
    server.init(InetAddress.getByName("127.0.0.1"), 0);
    client = server.createClient(b -> b.editOrNewConfig().withRequestRetryBackoffLimit(0).endConfig());
    client.nodes().resource(new NodeBuilder().withNewMetadata().withName("gpu-1").endMetadata().build()).create();
  }

  @AfterEach
  void stop() {
    if (agent != null) {
      agent.close();
    }
    client.close();
    server.destroy();
  }

  @Test
  void readsThatMakeAModelWholeLabelTheNodeAndARestartRelabelsItFromTheStore() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path source = tmp.resolve("origin");
    Random random = new Random(3);
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put("config.json", "{}".getBytes());
    files.put("model.safetensors", bytes(random, 5 * CS + 17));
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      Files.createDirectories(source);
      Files.write(source.resolve(e.getKey()), e.getValue());
    }
    Importer.Result r = new Importer(new Importer.Config(CS, 2)).run(Origins.open(source.toString()), "llama",
        new Importer.Listener() {
          @Override
          public void started(long totalBytes, int files) {}

          @Override
          public void hashed(long bytes) {}
        });
    Path manifests = tmp.resolve("manifests");
    ModelRef ref = new ManifestStore(Origins.open(manifests.toString())).publish(r);
    String key = ModelLabel.of(ref).key();

    agent = start(manifests);
    Path model = tmp.resolve("mnt").resolve(ref.toString());
    assertArrayEquals(files.get("config.json"), Files.readAllBytes(model.resolve("config.json")));
    Thread.sleep(300);
    assertFalse(labels().containsKey(key), "not labelled while chunks are missing: " + labels());
    assertArrayEquals(files.get("model.safetensors"), Files.readAllBytes(model.resolve("model.safetensors")));
    awaitLabels(l -> "llama".equals(l.get(key)));

    agent.close();
    agent = null;
    try (var walk = Files.walk(source)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
    agent = start(manifests);
    awaitLabels(l -> !l.containsKey(key)); // cleared at start: the agent cannot vouch for an earlier run
    long chunks = agent.storeStats().chunks();
    assertTrue(Files.isDirectory(model), "the model opens from the store's chunks and the manifests");
    awaitLabels(l -> "llama".equals(l.get(key)));
    assertEquals(chunks, agent.storeStats().chunks(), "nothing was fetched to relabel");
    assertArrayEquals(files.get("model.safetensors"), Files.readAllBytes(model.resolve("model.safetensors")));
  }

  private Agent start(Path manifests) throws Exception {
    Agent a = Agent.start(AgentConfig.of(tmp.resolve("mnt"), tmp.resolve("store"), List.of(manifests.toUri().toString()),
            tmp.resolve("agent.sock"))
        .withReadTimeout(Duration.ofSeconds(20))
        .withOriginAttempts(2));
    a.labelNode(NodeLabels.using(server.createClient(b -> b.editOrNewConfig().withRequestRetryBackoffLimit(0).endConfig()),
        "gpu-1", Duration.ofMillis(10)));
    return a;
  }

  private Map<String, String> labels() {
    Node n = client.nodes().withName("gpu-1").get();
    return n.getMetadata().getLabels() == null ? Map.of() : n.getMetadata().getLabels();
  }

  private void awaitLabels(Predicate<Map<String, String>> condition) throws InterruptedException {
    for (int i = 0; i < 200 && !condition.test(labels()); i++) {
      Thread.sleep(50);
    }
    assertTrue(condition.test(labels()), "labels of gpu-1 now: " + labels());
  }

  private static byte[] bytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }
}

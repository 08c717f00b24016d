package io.modelfs.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * deploy/k8s is the chart rendered with its defaults. To re-render after changing the chart:
 * {@code mvn -pl deploy test -Dtest=ChartTest -Dmodelfs.deploy.rerender=true} (or, with the
 * helm CLI, the command in deploy/README.md).
 */
class ChartTest {

  @Test
  void renderedManifestsAreTheChartWithItsDefaults() throws Exception {
    String rendered = Chart.render(Map.of());
    if (Boolean.getBoolean("modelfs.deploy.rerender")) {
      Files.writeString(Chart.RENDERED, rendered);
    }
    assertEquals(rendered.strip(), Files.readString(Chart.RENDERED).strip(),
        "deploy/k8s/modelfs.yaml is not the chart rendered with its defaults; re-render it (see deploy/README.md)");
  }

  @Test
  void chartPassesHelmLintStrict() {
    LintResult lint = new Helm(Chart.CHART).lint().strict().call();
    assertFalse(lint.isFailed(), "helm lint --strict: " + lint.getMessages());
  }

  @Test
  void aSwarmKeyBecomesASecretThatTheAgentMounts() {
    List<HasMetadata> objects = Chart.parse(Chart.render(Map.of("swarm.key", "k3y-material")));
    Secret secret = Chart.one(objects, Secret.class, "modelfs-swarm");
    assertEquals("k3y-material", new String(Base64.getDecoder().decode(secret.getData().get("swarm.key")), StandardCharsets.UTF_8));
    DaemonSet agent = Chart.one(objects, DaemonSet.class, "modelfs-agent");
    assertTrue(agent.getSpec().getTemplate().getSpec().getVolumes().stream()
        .anyMatch(v -> v.getSecret() != null && v.getSecret().getSecretName().equals("modelfs-swarm")));
    assertTrue(Chart.all(Chart.parse(Chart.render(Map.of())), Secret.class).isEmpty(),
        "without a key the chart ships no Secret (never a default key)");
  }

  @Test
  void trackerReplicasAndQuorumFollowTheValues() {
    List<HasMetadata> five = Chart.parse(Chart.render(Map.of("tracker.replicas", "5")));
    var pdb = Chart.one(five, io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class, "modelfs-tracker");
    assertEquals(3, pdb.getSpec().getMinAvailable().getIntVal(), "5 replicas keep a majority of 3");
  }
}

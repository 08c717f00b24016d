package io.modelfs.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.modelfs.agent.cli.Main;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The chart's security values: mutual TLS (csi-driver or Secrets), the control group and the manifest key. */
class TlsChartTest {
  private static final List<String> TLS_ARGS = List.of("--tls-cert=/etc/modelfs/tls/tls.crt",
      "--tls-key=/etc/modelfs/tls/tls.key", "--tls-ca=/etc/modelfs/tls/ca.crt");

  @Test
  void tlsIsOffByDefault() throws Exception {
    List<HasMetadata> objects = Chart.rendered();
    Container agent = container(Chart.one(objects, DaemonSet.class, "modelfs-agent").getSpec().getTemplate().getSpec());
    assertTrue(agent.getArgs().stream().noneMatch(a -> a.startsWith("--tls-")), agent.getArgs().toString());
    assertTrue(agent.getArgs().contains("--node-id=$(NODE_NAME)"));
  }

  @Test
  void withTlsEveryAgentAndReplicaGetsItsOwnCertificateFromTheIssuer() {
    List<HasMetadata> objects = Chart.parse(Chart.render(Map.of("tls.enabled", "true", "tls.issuer.kind", "ClusterIssuer",
        "tls.issuer.name", "corp-ca")));
    PodSpec agentPod = Chart.one(objects, DaemonSet.class, "modelfs-agent").getSpec().getTemplate().getSpec();
    Container agent = container(agentPod);
    assertTrue(agent.getArgs().containsAll(TLS_ARGS), agent.getArgs().toString());
    assertTrue(agent.getArgs().contains("--node-id=$(POD_NAME)"), "the certificate names the pod: " + agent.getArgs());
    assertTrue(agent.getEnv().stream().anyMatch(e -> e.getName().equals("POD_NAME")));
    Map<String, String> a = csi(agentPod);
    assertEquals("corp-ca", a.get("csi.cert-manager.io/issuer-name"));
    assertEquals("ClusterIssuer", a.get("csi.cert-manager.io/issuer-kind"));
    assertEquals("${POD_NAME}", a.get("csi.cert-manager.io/common-name"));
    assertEquals("PKCS8", a.get("csi.cert-manager.io/key-encoding"));
    assertTrue(a.get("csi.cert-manager.io/key-usages").contains("client auth"));

    PodSpec trackerPod = Chart.one(objects, StatefulSet.class, "modelfs-tracker").getSpec().getTemplate().getSpec();
    Container tracker = container(trackerPod);
    assertTrue(tracker.getArgs().containsAll(TLS_ARGS), tracker.getArgs().toString());
    // Agents dial replicas by these names (--tracker), and gRPC checks them against the certificate.
    assertEquals("${POD_NAME}.modelfs-tracker.${POD_NAMESPACE}.svc", csi(trackerPod).get("csi.cert-manager.io/dns-names"));
    assertTrue(agent.getArgs().stream().anyMatch(x -> x.contains("modelfs-tracker-0.modelfs-tracker.modelfs.svc:7300")));
    parses(agent.getArgs());
    parses(tracker.getArgs());
  }

  @Test
  void withSecretsTheyAreMountedAndAgentsKeepTheirNodeNames() {
    List<HasMetadata> objects = Chart.parse(Chart.render(Map.of("tls.enabled", "true", "tls.agentSecret", "agent-tls",
        "tls.trackerSecret", "tracker-tls")));
    PodSpec agentPod = Chart.one(objects, DaemonSet.class, "modelfs-agent").getSpec().getTemplate().getSpec();
    assertEquals("agent-tls", volume(agentPod, "tls").getSecret().getSecretName());
    assertTrue(container(agentPod).getArgs().contains("--node-id=$(NODE_NAME)"));
    PodSpec trackerPod = Chart.one(objects, StatefulSet.class, "modelfs-tracker").getSpec().getTemplate().getSpec();
    assertEquals("tracker-tls", volume(trackerPod, "tls").getSecret().getSecretName());
  }

  @Test
  void controlGroupAndManifestKeyReachTheAgent() {
    String pem = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEAexample\n-----END PUBLIC KEY-----";
    List<HasMetadata> objects = Chart.parse(Chart.render(Map.of("agent.controlGroup", "modelfs",
        "agent.manifestPublicKey", pem)));
    Container agent = container(Chart.one(objects, DaemonSet.class, "modelfs-agent").getSpec().getTemplate().getSpec());
    assertTrue(agent.getArgs().contains("--control-group=modelfs"), agent.getArgs().toString());
    assertTrue(agent.getArgs().contains("--manifest-public-key=/etc/modelfs/config/manifest-signing.pub"));
    ConfigMap config = Chart.one(objects, ConfigMap.class, "modelfs-config");
    assertEquals(pem, config.getData().get("manifest-signing.pub").strip());
    parses(agent.getArgs());
    Container plain = container(Chart.parse(Chart.render(Map.of())).stream().filter(DaemonSet.class::isInstance)
        .map(o -> ((DaemonSet) o).getSpec().getTemplate().getSpec()).findFirst().orElseThrow());
    assertFalse(plain.getArgs().stream().anyMatch(x -> x.startsWith("--control-group") || x.startsWith("--manifest-public-key")));
  }

  private static Container container(PodSpec pod) {
    return pod.getContainers().get(0);
  }

  private static Volume volume(PodSpec pod, String name) {
    return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no volume " + name + " in " + pod.getVolumes()));
  }

  private static Map<String, String> csi(PodSpec pod) {
    Volume v = volume(pod, "tls");
    assertEquals("csi.cert-manager.io", v.getCsi().getDriver());
    return v.getCsi().getVolumeAttributes();
  }

  private static void parses(List<String> args) {
    List<String> expanded = args.stream().map(a -> a.replace("$(NODE_NAME)", "gpu-1").replace("$(POD_NAME)", "pod-1")
        .replace("$(POD_IP)", "10.0.0.7")).toList();
    try {
      new CommandLine(new Main()).parseArgs(expanded.toArray(String[]::new));
    } catch (CommandLine.ParameterException e) {
      fail("modelfs does not accept " + expanded + ": " + e.getMessage());
    }
  }
}

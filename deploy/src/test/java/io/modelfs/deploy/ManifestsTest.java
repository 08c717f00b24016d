package io.modelfs.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.modelfs.agent.k8s.ModelLabel;
import io.modelfs.core.ModelRef;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What matters in deploy/k8s, read with fabric8's model: the same objects a cluster would get. */
class ManifestsTest {
  private static List<HasMetadata> objects;
  private static DaemonSet agent;
  private static Container agentContainer;
  private static Map<String, String> agentFlags;

  @BeforeAll
  static void parse() throws Exception {
    objects = Chart.rendered();
    agent = Chart.one(objects, DaemonSet.class, "modelfs-agent");
    agentContainer = container(agent.getSpec().getTemplate().getSpec(), "agent");
    agentFlags = flags(agentContainer.getArgs());
  }

  @Test
  void agentMountsFuseWithPrivilegeAndSharesTheMountWithTheHost() {
    PodSpec pod = agent.getSpec().getTemplate().getSpec();
    assertEquals("/dev/fuse", hostPathOf(pod, mountAt(agentContainer, "/dev/fuse").getName()));
    assertEquals("CharDevice", volume(pod, mountAt(agentContainer, "/dev/fuse").getName()).getHostPath().getType());
    assertTrue(agentContainer.getSecurityContext().getPrivileged(), "Bidirectional propagation needs a privileged container");

    String mount = agentFlags.get("--mount");
    VolumeMount models = mountAt(agentContainer, mount);
    assertEquals("Bidirectional", models.getMountPropagation());
    assertEquals(mount, hostPathOf(pod, models.getName()), "the host sees the mount where pods look for it");
    assertEquals(agentFlags.get("--store"), hostPathOf(pod, mountAt(agentContainer, agentFlags.get("--store")).getName()),
        "the chunk store is on the node's disk and survives agent restarts");
  }

  @Test
  void agentControlSocketIsInAHostDirectoryThatPullJobsShare() {
    Path socket = Path.of(agentFlags.get("--control"));
    assertEquals("/run/modelfs/agent.sock", socket.toString(), "the CLI's default socket path");
    PodSpec pod = agent.getSpec().getTemplate().getSpec();
    assertEquals(socket.getParent().toString(), hostPathOf(pod, mountAt(agentContainer, socket.getParent().toString()).getName()));

    for (Job job : Chart.all(objects, Job.class)) {
      PodSpec jobPod = job.getSpec().getTemplate().getSpec();
      Container pull = container(jobPod, "pull");
      assertEquals("pull", pull.getArgs().get(0));
      assertEquals(socket.toString(), pull.getArgs().get(pull.getArgs().indexOf("--agent") + 1));
      assertEquals(socket.getParent().toString(), hostPathOf(jobPod, mountAt(pull, socket.getParent().toString()).getName()));
      assertEquals(agent.getSpec().getTemplate().getSpec().getNodeSelector(), jobPod.getNodeSelector(), "warm the nodes agents run on");
      assertEquals(job.getSpec().getParallelism(), job.getSpec().getCompletions());
      assertNotNull(jobPod.getAffinity().getPodAntiAffinity().getRequiredDuringSchedulingIgnoredDuringExecution(),
          "one warm pod per node");
    }
    assertFalse(Chart.all(objects, Job.class).isEmpty(), "the defaults warm the example model");
  }

  @Test
  void agentRunsOnGpuNodesWithProbesResourcesAndACleanStop() {
    PodSpec pod = agent.getSpec().getTemplate().getSpec();
    assertTrue(pod.getTolerations().stream().anyMatch(t -> "nvidia.com/gpu".equals(t.getKey()) && "Exists".equals(t.getOperator())));
    assertEquals("true", pod.getNodeSelector().get("nvidia.com/gpu.present"));
    assertEquals("OnDelete", agent.getSpec().getUpdateStrategy().getType(), "an agent restart interrupts readers: never roll automatically");
    assertEquals("/healthz", agentContainer.getLivenessProbe().getHttpGet().getPath());
    assertEquals("/readyz", agentContainer.getReadinessProbe().getHttpGet().getPath());
    assertEquals("http", agentContainer.getLivenessProbe().getHttpGet().getPort().getStrVal());
    assertEquals("http", agentContainer.getReadinessProbe().getHttpGet().getPort().getStrVal());
    assertFalse(agentContainer.getResources().getRequests().isEmpty());
    assertFalse(agentContainer.getResources().getLimits().isEmpty());
    String preStop = String.join(" ", agentContainer.getLifecycle().getPreStop().getExec().getCommand());
    assertTrue(preStop.contains("fusermount -u") && preStop.contains(agentFlags.get("--mount")), preStop);
    assertTrue(pod.getHostNetwork(), "peer traffic on the host network (port plan in deploy/README.md)");
    assertEquals("ClusterFirstWithHostNet", pod.getDnsPolicy(), "still resolves the tracker's Service names");
  }

  @Test
  void agentPortsAgreeWithItsFlagsAndItFindsTheTrackers() {
    assertEquals("$(POD_IP):" + port(agentContainer, "http"), agentFlags.get("--http"), "probes hit the port the agent serves");
    assertEquals("$(POD_IP):" + port(agentContainer, "peer"), agentFlags.get("--listen"));
    assertEquals("status.podIP", agentContainer.getEnv().stream().filter(e -> e.getName().equals("POD_IP")).findFirst()
        .orElseThrow().getValueFrom().getFieldRef().getFieldPath());
    StatefulSet tracker = Chart.one(objects, StatefulSet.class, "modelfs-tracker");
    assertEquals(flags(container(tracker.getSpec().getTemplate().getSpec(), "tracker").getArgs()).get("--peers"),
        agentFlags.get("--tracker"), "agents get the group the trackers form");
    String keyFile = agentFlags.get("--swarm-key-file");
    VolumeMount swarm = mountAt(agentContainer, Path.of(keyFile).getParent().toString());
    Volume secret = volume(agent.getSpec().getTemplate().getSpec(), swarm.getName());
    assertEquals("modelfs-swarm", secret.getSecret().getSecretName());
    assertTrue(secret.getSecret().getOptional() == null || !secret.getSecret().getOptional(),
        "an agent without the key must wait for it, not start outside the swarm");
  }

  private static int port(Container c, String name) {
    return c.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
        .orElseThrow(() -> new AssertionError("no port " + name)).getContainerPort();
  }

  @Test
  void agentKnowsItsNodeAndMayPatchOnlyNodes() {
    assertEquals("$(NODE_NAME)", agentFlags.get("--node-name"));
    assertEquals("spec.nodeName", agentContainer.getEnv().stream().filter(e -> e.getName().equals("NODE_NAME")).findFirst()
        .orElseThrow().getValueFrom().getFieldRef().getFieldPath());
    String sa = agent.getSpec().getTemplate().getSpec().getServiceAccountName();
    Chart.one(objects, ServiceAccount.class, sa);
    ClusterRole role = Chart.one(objects, ClusterRole.class, "modelfs-agent");
    assertEquals(1, role.getRules().size());
    assertEquals(List.of("nodes"), role.getRules().get(0).getResources());
    assertEquals(List.of("get", "patch"), role.getRules().get(0).getVerbs());
    ClusterRoleBinding binding = Chart.one(objects, ClusterRoleBinding.class, "modelfs-agent");
    assertEquals(role.getMetadata().getName(), binding.getRoleRef().getName());
    assertEquals(sa, binding.getSubjects().get(0).getName());
  }

  @Test
  void trackerIsThreeReplicasWithVolumesAHeadlessServiceAndAQuorumKeepingBudget() {
    StatefulSet tracker = Chart.one(objects, StatefulSet.class, "modelfs-tracker");
    assertEquals(3, tracker.getSpec().getReplicas());
    assertEquals("data", tracker.getSpec().getVolumeClaimTemplates().get(0).getMetadata().getName());
    Service headless = Chart.one(objects, Service.class, tracker.getSpec().getServiceName());
    assertEquals("None", headless.getSpec().getClusterIP());
    assertEquals(tracker.getSpec().getSelector().getMatchLabels(), headless.getSpec().getSelector());

    PodDisruptionBudget pdb = Chart.one(objects, PodDisruptionBudget.class, "modelfs-tracker");
    assertEquals(2, pdb.getSpec().getMinAvailable().getIntVal(), "two of three keep a Raft majority");
    assertEquals(tracker.getSpec().getSelector().getMatchLabels(), pdb.getSpec().getSelector().getMatchLabels());

    Container c = container(tracker.getSpec().getTemplate().getSpec(), "tracker");
    Map<String, String> flags = flags(c.getArgs());
    int port = c.getPorts().get(0).getContainerPort();
    assertEquals(port, headless.getSpec().getPorts().get(0).getPort());
    String expected = java.util.stream.IntStream.range(0, 3)
        .mapToObj(i -> String.format("modelfs-tracker-%d=modelfs-tracker-%d.modelfs-tracker.modelfs.svc:%d", i, i, port))
        .collect(Collectors.joining(","));
    assertEquals(expected, flags.get("--peers"), "stable ids are the pod names, addresses through the headless Service");
    assertEquals("$(POD_NAME)", flags.get("--id"));
    assertEquals(flags.get("--data"), mountAt(c, flags.get("--data")).getMountPath());
  }

  @Test
  void exampleReadsTheHostMountAsNonRootOnlyWhereTheModelIsLocal() {
    Deployment example = Chart.one(objects, Deployment.class, "modelfs-example-inference");
    PodSpec pod = example.getSpec().getTemplate().getSpec();
    Container c = container(pod, "inference");
    VolumeMount models = c.getVolumeMounts().stream().filter(m -> m.getName().equals("models")).findFirst().orElseThrow();
    assertEquals("HostToContainer", models.getMountPropagation());
    assertTrue(models.getReadOnly());
    assertEquals(agentFlags.get("--mount"), hostPathOf(pod, "models"));
    assertTrue(c.getSecurityContext().getRunAsNonRoot());
    assertTrue(c.getSecurityContext().getRunAsUser() > 0);

    Container pull = pod.getInitContainers().get(0);
    ModelRef ref = ModelRef.parse(pull.getArgs().get(pull.getArgs().size() - 1));
    var term = pod.getAffinity().getNodeAffinity().getRequiredDuringSchedulingIgnoredDuringExecution().getNodeSelectorTerms().get(0);
    assertEquals(ModelLabel.of(ref).key(), term.getMatchExpressions().get(0).getKey(),
        "the affinity key is the label the agent sets for this ref");
    assertEquals("Exists", term.getMatchExpressions().get(0).getOperator());
  }

  @Test
  void everyModelfsContainerRunsTheChartsImage() {
    String image = agentContainer.getImage();
    assertTrue(image.endsWith(":0.1.0"), "the image tag is the chart's appVersion: " + image);
    for (HasMetadata o : objects) {
      podSpec(o).ifPresent(pod -> {
        pod.getContainers().forEach(c -> {
          if (!c.getName().equals("inference")) {
            assertEquals(image, c.getImage(), o.getKind() + " " + o.getMetadata().getName());
          }
        });
        if (pod.getInitContainers() != null) {
          pod.getInitContainers().forEach(c -> assertEquals(image, c.getImage()));
        }
      });
    }
  }

  static Optional<PodSpec> podSpec(HasMetadata o) {
    if (o instanceof DaemonSet d) {
      return Optional.of(d.getSpec().getTemplate().getSpec());
    } else if (o instanceof StatefulSet s) {
      return Optional.of(s.getSpec().getTemplate().getSpec());
    } else if (o instanceof Deployment d) {
      return Optional.of(d.getSpec().getTemplate().getSpec());
    } else if (o instanceof Job j) {
      return Optional.of(j.getSpec().getTemplate().getSpec());
    }
    return Optional.empty();
  }

  /** {@code --name=value} arguments as a map (the chart writes every flag this way). */
  static Map<String, String> flags(List<String> args) {
    return args.stream().filter(a -> a.startsWith("--") && a.contains("="))
        .collect(Collectors.toMap(a -> a.substring(0, a.indexOf('=')), a -> a.substring(a.indexOf('=') + 1), (a, b) -> a));
  }

  static Container container(PodSpec pod, String name) {
    return pod.getContainers().stream().filter(c -> c.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no container " + name));
  }

  private static VolumeMount mountAt(Container c, String path) {
    return c.getVolumeMounts().stream().filter(m -> m.getMountPath().equals(path)).findFirst()
        .orElseThrow(() -> new AssertionError("container " + c.getName() + " mounts nothing at " + path));
  }

  private static Volume volume(PodSpec pod, String name) {
    return pod.getVolumes().stream().filter(v -> v.getName().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no volume " + name));
  }

  private static String hostPathOf(PodSpec pod, String volume) {
    Volume v = volume(pod, volume);
    assertNotNull(v.getHostPath(), "volume " + volume + " is a hostPath");
    return v.getHostPath().getPath();
  }
}

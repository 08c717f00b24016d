package io.modelfs.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.modelfs.agent.cli.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The arguments the manifests give the modelfs image are ones the CLI accepts: each is run
 * through the real picocli parser of {@code modelfs} (parsed, not executed), with Kubernetes'
 * {@code $(VAR)} references replaced by sample values. And the image runs the jar the build makes.
 */
class CliArgsTest {
  private static final Pattern VAR = Pattern.compile("\\$\\(([A-Z_]+)\\)");
  private static final Map<String, String> SAMPLE_ENV = Map.of("NODE_NAME", "gpu-node-1", "POD_NAME", "modelfs-tracker-0", "POD_IP", "10.0.0.7");

  @Test
  void everyModelfsCommandInTheManifestsParses() throws Exception {
    List<List<String>> commands = new ArrayList<>();
    for (HasMetadata o : Chart.rendered()) {
      ManifestsTest.podSpec(o).ifPresent(pod -> {
        List<Container> all = new ArrayList<>(pod.getContainers());
        if (pod.getInitContainers() != null) {
          all.addAll(pod.getInitContainers());
        }
        for (Container c : all) {
          if (c.getImage().contains("modelfs")) {
            commands.add(expand(c.getArgs()));
            if (c.getLivenessProbe() != null && c.getLivenessProbe().getExec() != null
                && c.getLivenessProbe().getExec().getCommand().get(0).equals("modelfs")) {
              List<String> probe = c.getLivenessProbe().getExec().getCommand();
              commands.add(probe.subList(1, probe.size()));
            }
          }
        }
      });
    }
    assertTrue(commands.size() >= 4, "agent, tracker, warm job, init container: " + commands);
    for (List<String> args : commands) {
      try {
        new CommandLine(new Main()).parseArgs(args.toArray(String[]::new));
      } catch (CommandLine.ParameterException e) {
        fail("modelfs does not accept " + args + ": " + e.getMessage());
      }
    }
  }

  @Test
  void theParserRejectsAFlagItDoesNotHave() {
    // Guards the test above: parsing would not catch a misspelt flag if it accepted everything.
    try {
      new CommandLine(new Main()).parseArgs("agent", "--mount=/m", "--store=/s", "--manifests=file:///x", "--no-such-flag=1");
      fail("an unknown flag parsed");
    } catch (CommandLine.ParameterException expected) {
      assertTrue(expected.getMessage().contains("--no-such-flag"), expected.getMessage());
    }
  }

  @Test
  void theImageCopiesTheJarTheBuildProducesAndRunsIt() throws Exception {
    String dockerfile = Files.readString(Chart.DEPLOY.resolve("Dockerfile"));
    String agentPom = Files.readString(Chart.DEPLOY.resolveSibling("agent/pom.xml"));
    assertTrue(agentPom.contains("<finalName>modelfs</finalName>"), "the agent's shaded jar is target/modelfs.jar");
    assertTrue(dockerfile.contains("cp agent/target/modelfs.jar /modelfs.jar"), "the build stage takes the shaded jar");
    assertTrue(dockerfile.contains("COPY --from=build /modelfs.jar /opt/modelfs/modelfs.jar"));
    String entry = Files.readString(Chart.DEPLOY.resolve("docker/modelfs"));
    assertTrue(entry.contains("-jar /opt/modelfs/modelfs.jar \"$@\""), entry);
    assertTrue(dockerfile.contains("libfuse2") && dockerfile.contains("fuse3"), "jnr-fuse loads libfuse2; fusermount is in fuse3");
    assertTrue(Files.isExecutable(Chart.DEPLOY.resolve("docker/modelfs")));
    assertEquals(1, count(dockerfile, "ENTRYPOINT"));
  }

  private static int count(String s, String what) {
    return s.split(Pattern.quote(what), -1).length - 1;
  }

  private static List<String> expand(List<String> args) {
    List<String> out = new ArrayList<>();
    for (String a : args) {
      Matcher m = VAR.matcher(a);
      StringBuilder sb = new StringBuilder();
      while (m.find()) {
        String value = SAMPLE_ENV.get(m.group(1));
        if (value == null) {
          fail("argument " + a + " refers to $(" + m.group(1) + "), which no container env here defines");
        }
        m.appendReplacement(sb, Matcher.quoteReplacement(value));
      }
      m.appendTail(sb);
      out.add(sb.toString());
    }
    return out;
  }
}

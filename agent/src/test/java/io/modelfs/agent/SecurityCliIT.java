package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.agent.demo.SampleModel;
import io.modelfs.core.ModelRef;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The security flags through the built jar: keygen, import --sign-key, agent --manifest-public-key --control-group. */
class SecurityCliIT {
  private static final Path JAR = Path.of("target/modelfs.jar").toAbsolutePath();

  @TempDir Path tmp;

  @Test
  void keygenSignedImportAndAnAgentThatPullsOnlySignedModels() throws Exception {
    Path keys = tmp.resolve("keys");
    Run keygen = run(List.of("keygen", "--out", keys.toString()));
    assertEquals(0, keygen.exit, keygen.all());
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(keys.resolve("manifest-signing.key"))));
    assertEquals(1, run(List.of("keygen", "--out", keys.toString())).exit, "keygen refuses to overwrite a key");

    Path manifests = tmp.resolve("manifests");
    ModelRef signed = importModel("signed", manifests, keys.resolve("manifest-signing.key"));
    ModelRef unsigned = importModel("unsigned", manifests, null);
    assertTrue(Files.exists(manifests.resolve(signed.digest().hex() + ".sig")));

    Path sock = tmp.resolve("agent.sock");
    Path mnt = tmp.resolve("mnt");
    String group = Files.readAttributes(Files.createFile(tmp.resolve("probe")), PosixFileAttributes.class).group().getName();
    Process agent = new ProcessBuilder("java", "-jar", JAR.toString(), "agent", "--mount", mnt.toString(),
        "--store", tmp.resolve("store").toString(), "--manifests", manifests.toString(), "--control", sock.toString(),
        "--http", "off", "--manifest-public-key", keys.resolve("manifest-signing.pub").toString(), "--control-group", group)
        .redirectErrorStream(true).redirectOutput(tmp.resolve("agent.log").toFile()).start();
    try {
      for (int i = 0; i < 150 && !Files.exists(sock); i++) {
        Thread.sleep(100);
      }
      assertTrue(Files.exists(sock), "agent started: " + Files.readString(tmp.resolve("agent.log")));
      PosixFileAttributes attrs = Files.readAttributes(sock, PosixFileAttributes.class);
      assertEquals("rw-rw----", PosixFilePermissions.toString(attrs.permissions()));
      assertEquals(group, attrs.group().getName());

      Run ok = run(List.of("pull", "--agent", sock.toString(), signed.toString()));
      assertEquals(0, ok.exit, ok.all());
      Run refused = run(List.of("pull", "--agent", sock.toString(), unsigned.toString()));
      assertEquals(1, refused.exit, refused.all());
      assertTrue(refused.err.contains(unsigned.toString()) && refused.err.contains("is not signed"), refused.all());
      assertTrue(Files.readString(tmp.resolve("agent.log")).contains("refusing model " + unsigned), "the agent logs the refusal");
    } finally {
      agent.destroy();
      if (!agent.waitFor(30, TimeUnit.SECONDS)) {
        agent.destroyForcibly();
        agent.waitFor(10, TimeUnit.SECONDS);
      }
      new ProcessBuilder("umount", "-l", mnt.toString()).start().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private ModelRef importModel(String name, Path manifests, Path signKey) throws Exception {
    Path source = tmp.resolve(name);
    SampleModel.generate(source, 2L << 20, name.length());
    List<String> args = new ArrayList<>(List.of("import", source.toUri().toString(), "--name", name, "--chunk-size", "1MiB",
        "--manifests", manifests.toUri().toString()));
    if (signKey != null) {
      args.addAll(List.of("--sign-key", signKey.toString()));
    }
    Run r = run(args);
    assertEquals(0, r.exit, r.all());
    String[] lines = r.out.strip().split("\n");
    return ModelRef.parse(lines[lines.length - 1]);
  }

  private record Run(int exit, String out, String err) {
    String all() {
      return "exit " + exit + "\nstdout:\n" + out + "\nstderr:\n" + err;
    }
  }

  private Run run(List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("java", "-jar", JAR.toString()));
    cmd.addAll(args);
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("modelfs " + args + " did not finish: " + Files.readString(err, StandardCharsets.UTF_8));
    }
    return new Run(p.exitValue(), Files.readString(out), Files.readString(err));
  }
}

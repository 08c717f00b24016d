package io.modelfs.agent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelfs.core.ModelRef;
import io.modelfs.origin.Origin;
import io.modelfs.origin.OriginConfig;
import io.modelfs.origin.Origins;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * S3 end to end: a model in an s3proxy bucket (in this JVM, AWS v4 auth), imported with the
 * built CLI ({@code modelfs import s3://... --config FILE}, manifests written back to the
 * bucket), then served by an agent configured with the same file and read through its FUSE mount.
 */
class S3OriginAgentIT {
  private static final Path JAR = Path.of("target/modelfs.jar").toAbsolutePath();
  private static final String SECRET = "agent-it-secret-never-logged";

  @TempDir Path tmp;
  private BlobStoreContext blobs;
  private S3Proxy proxy;
  private Agent agent;

  @BeforeEach
  void startS3() throws Exception {
    blobs = ContextBuilder.newBuilder("transient").credentials("i", "c").build(BlobStoreContext.class);
    proxy = S3Proxy.builder().blobStore(blobs.getBlobStore()).endpoint(URI.create("http://127.0.0.1:0"))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, "agent-it", SECRET).build();
    proxy.start();
    for (int i = 0; i < 200 && !proxy.getState().equals("STARTED"); i++) {
      Thread.sleep(25);
    }
    blobs.getBlobStore().createContainerInLocation(null, "models");
  }

  @AfterEach
  void stop() throws Exception {
    if (agent != null) {
      agent.close();
    }
    proxy.stop();
    blobs.close();
  }

  @Test
  void importFromS3ThenReadThroughTheMount() throws Exception {
    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path credentials = tmp.resolve("s3.properties");
    Files.writeString(credentials, "access-key-id=agent-it\nsecret-access-key=" + SECRET + "\n");
    Path config = tmp.resolve("modelfs.properties");
    Files.writeString(config, String.join("\n",
        "origin.local.prefix = s3://models/",
        "origin.local.endpoint = http://127.0.0.1:" + proxy.getPort(),
        "origin.local.credentials = file:" + credentials,
        "origin.local.checksums = when-required",
        "origin.local.part-size = 256KiB",
        "origin.local.concurrency = 4", ""));
    OriginConfig origins = OriginConfig.load(config);

    Map<String, byte[]> files = new LinkedHashMap<>();
    Random random = new Random(3);
    files.put("config.json", "{\"layers\": 2}".getBytes(StandardCharsets.UTF_8));
    files.put("model-00001-of-00002.safetensors", bytes(random, 3_000_000));
    files.put("model-00002-of-00002.safetensors", bytes(random, 1_234_567));
    files.put("tokenizer/tokenizer.json", bytes(random, 5000));
    try (Origin bucket = Origins.open("s3://models/llama/", origins)) {
      for (Map.Entry<String, byte[]> e : files.entrySet()) {
        bucket.put(e.getKey(), e.getValue());
      }
    }

    Process p = new ProcessBuilder("java", "-jar", JAR.toString(), "import", "s3://models/llama/", "--name", "llama",
        "--chunk-size", "1MiB", "--config", config.toString())
        .redirectErrorStream(true).redirectOutput(tmp.resolve("import.log").toFile()).start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "import finished");
    String log = Files.readString(tmp.resolve("import.log"));
    assertEquals(0, p.exitValue(), log);
    assertFalse(log.contains(SECRET), "the secret is never printed");
    String[] lines = log.strip().split("\n");
    ModelRef ref = ModelRef.parse(lines[lines.length - 1].strip());

    agent = Agent.start(AgentConfig.of(tmp.resolve("mnt"), tmp.resolve("store"),
            List.of("s3://models/llama/.modelfs/manifests/"), tmp.resolve("agent.sock"))
        .withOrigins(origins)
        .withReadTimeout(Duration.ofSeconds(30)));
    Path model = tmp.resolve("mnt").resolve(ref.toString());
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      assertArrayEquals(e.getValue(), Files.readAllBytes(model.resolve(e.getKey())), e.getKey());
    }
    assertEquals(3 + 2 + 1 + 1, agent.storeStats().chunks(), "every chunk came from S3 into the store");
    assertEquals(0, agent.storeStats().verificationFailures());
  }

  private static byte[] bytes(Random r, int n) {
    byte[] b = new byte[n];
    r.nextBytes(b);
    return b;
  }
}

package io.modelfs.origin;

import com.azure.storage.blob.BlobServiceClientBuilder;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/** The contract against Azurite's blob service, started by the test on a loopback port. */
class AzureOriginContractIT extends OriginContract {
  private static final AtomicInteger CONTAINERS = new AtomicInteger();
  static AzuriteFixture azurite;
  @TempDir static Path dir;
  static Path credentials;

  @BeforeAll
  static void start() throws Exception {
    Path data = Files.createDirectories(dir.resolve("azurite"));
    azurite = new AzuriteFixture(data);
    credentials = azurite.credentialsFile(dir);
  }

  @AfterAll
  static void stop() throws Exception {
    if (azurite != null) {
      azurite.close();
    }
  }

  static OriginSettings settings() {
    return SMALL_PARTS.withCredentials("file:" + credentials);
  }

  @Override
  Origin open() throws Exception {
    String container = "models" + CONTAINERS.incrementAndGet();
    new BlobServiceClientBuilder().connectionString(azurite.connectionString()).buildClient()
        .createBlobContainer(container);
    return AzureOrigin.open(URI.create("az://" + AzuriteFixture.ACCOUNT + "/" + container + "/llama/"), settings());
  }

  @Override
  Origin openMissingBucket() throws Exception {
    return AzureOrigin.open(URI.create("az://" + AzuriteFixture.ACCOUNT + "/no-such-container/llama/"), settings());
  }

  @Override
  Origin manifestsLocation() throws Exception {
    return Origins.open(origin.uri().resolve(".modelfs/manifests/").toString(),
        OriginConfig.of(OriginSettings.defaults(), "az://", settings()));
  }
}

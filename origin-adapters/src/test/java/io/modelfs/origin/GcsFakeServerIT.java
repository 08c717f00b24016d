package io.modelfs.origin;

import com.google.cloud.NoCredentials;
import com.google.cloud.ServiceOptions;
import com.google.cloud.storage.BucketInfo;
import com.google.cloud.storage.Storage;
import com.google.cloud.storage.StorageOptions;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;

/**
 * The contract against fake-gcs-server (a GCS JSON API over HTTP) in a container, which
 * exercises what the in-memory fake cannot: HTTP ranges, generation-match 412s, a missing
 * bucket. Reported as skipped where no Docker engine runs.
 */
class GcsFakeServerIT extends OriginContract {
  private static final AtomicInteger BUCKETS = new AtomicInteger();
  static GenericContainer<?> server;
  static Storage storage;
  static URI endpoint;

  @BeforeAll
  static void start() {
    if (!dockerAvailable()) {
      return; // each test is then reported as skipped by open()
    }
    server = new GenericContainer<>("fsouza/fake-gcs-server:1.52.2")
        .withCommand("-scheme", "http", "-port", "4443")
        .withExposedPorts(4443);
    server.start();
    endpoint = URI.create("http://" + server.getHost() + ":" + server.getMappedPort(4443));
    storage = StorageOptions.http().setHost(endpoint.toString()).setProjectId("modelfs")
        .setCredentials(NoCredentials.getInstance()).setRetrySettings(ServiceOptions.getNoRetrySettings())
        .build().getService();
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable e) {
      return false;
    }
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop();
    }
  }

  static OriginSettings settings() {
    return SMALL_PARTS.withEndpoint(endpoint).withCredentials("anonymous");
  }

  @Override
  Origin open() throws Exception {
    Assumptions.assumeTrue(storage != null, "no Docker engine here: fake-gcs-server contract skipped");
    String bucket = "bucket" + BUCKETS.incrementAndGet();
    storage.create(BucketInfo.of(bucket));
    return GcsOrigin.open(URI.create("gs://" + bucket + "/models/m1/"), settings());
  }

  @Override
  Origin openMissingBucket() throws Exception {
    return GcsOrigin.open(URI.create("gs://no-such-bucket/models/"), settings());
  }

  @Override
  Origin manifestsLocation() throws Exception {
    return Origins.open(origin.uri().resolve(".modelfs/manifests/").toString(),
        OriginConfig.of(OriginSettings.defaults(), "gs://", settings()));
  }
}

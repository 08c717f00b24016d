package io.modelfs.origin;

import com.google.cloud.storage.Storage;
import com.google.cloud.storage.contrib.nio.testing.LocalStorageHelper;
import java.net.URI;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The contract against google-cloud-nio's in-memory {@code LocalStorageHelper}: the real client
 * API over a fake RPC layer, with no HTTP. So this checks key/path mapping, listing, and generations; it cannot exercise HTTP ranges, the generation-match
 * precondition (412; the fake ignores it on reads), 429 responses, or a missing bucket (the fake has no buckets) — {@code GcsFakeServerIT} does,
 * where a Docker engine runs.
 */
class GcsOriginContractTest extends OriginContract {
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static final Storage STORAGE = LocalStorageHelper.getOptions().getService();

  @Override
  Origin open() {
    return new GcsOrigin(URI.create("gs://bucket/models/m" + PREFIXES.incrementAndGet() + "/"), STORAGE, SMALL_PARTS);
  }

  @Override
  Origin openMissingBucket() {
    return new GcsOrigin(URI.create("gs://no-such-bucket/models/"), STORAGE, SMALL_PARTS);
  }

  @Override
  boolean listsMissingBucketAsNotFound() {
    return false;
  }

  @Override
  boolean enforcesVersionOnRead() {
    return false;
  }

  @Override
  Origin manifestsLocation() {
    return new GcsOrigin(origin.uri().resolve(".modelfs/manifests/"), STORAGE, SMALL_PARTS);
  }
}

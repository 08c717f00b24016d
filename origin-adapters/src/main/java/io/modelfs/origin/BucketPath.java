package io.modelfs.origin;

import java.net.URI;

/**
 * The bucket and key prefix of a {@code scheme://bucket/prefix/} origin URI, and that URI in its
 * canonical form (prefix without a leading '/', ending in '/' unless empty).
 */
record BucketPath(String bucket, String prefix, URI uri) {

  /** Splits {@code uri}, which {@link #checkBucket} has accepted. */
  static BucketPath of(URI uri) {
    String prefix = Bodies.dirPrefix(uri.getPath() == null ? "" : uri.getPath());
    return new BucketPath(uri.getHost(), prefix, URI.create(uri.getScheme() + "://" + uri.getHost() + "/" + prefix));
  }

  /** Refuses a URI with no bucket; {@code service} names the store in the message. */
  static void checkBucket(URI uri, String service) throws OriginException {
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new OriginException.Permanent(uri,
          service + " URIs need a bucket: " + uri.getScheme() + "://bucket/prefix/", null);
    }
  }
}

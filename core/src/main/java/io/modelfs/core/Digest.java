package io.modelfs.core;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A SHA-256 digest: the name of a chunk in the store and the identity of a manifest.
 * Immutable; equal digests have equal bytes.
 */
public final class Digest implements Comparable<Digest> {
  public static final int LENGTH = 32;
  private static final HexFormat HEX = HexFormat.of();

  private final byte[] bytes;

  private Digest(byte[] bytes) {
    this.bytes = bytes;
  }

  /** Wraps a copy of 32 digest bytes. */
  public static Digest of(byte[] bytes) {
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException("a SHA-256 digest has 32 bytes, not " + bytes.length);
    }
    return new Digest(bytes.clone());
  }

  /** Parses 64 lower- or upper-case hex characters. */
  public static Digest parse(String hex) {
    if (hex.length() != 2 * LENGTH) {
      throw new IllegalArgumentException(
          "a SHA-256 digest is 64 hex characters, got " + hex.length() + ": '" + abbreviate(hex) + "'");
    }
    try {
      return new Digest(HEX.parseHex(hex));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a hex SHA-256 digest: '" + abbreviate(hex) + "'", e);
    }
  }

  /** The digest of {@code data}. */
  public static Digest sha256(byte[] data) {
    return new Digest(newSha256().digest(data));
  }

  /** The digest of the bytes remaining in {@code data}; consumes them. */
  public static Digest sha256(ByteBuffer data) {
    MessageDigest md = newSha256();
    md.update(data);
    return new Digest(md.digest());
  }

  /** Completes a running SHA-256 computation. */
  public static Digest finish(MessageDigest sha256) {
    return new Digest(sha256.digest());
  }

  public static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError("every Java runtime has SHA-256", e);
    }
  }

  public byte[] toBytes() {
    return bytes.clone();
  }

  public String hex() {
    return HEX.formatHex(bytes);
  }

  /** The first 12 hex characters, for log lines. */
  public String shortHex() {
    return hex().substring(0, 12);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Digest d && Arrays.equals(bytes, d.bytes);
  }

  @Override
  public int hashCode() {
    // The bytes are uniformly distributed already.
    return ByteBuffer.wrap(bytes).getInt();
  }

  @Override
  public int compareTo(Digest o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public String toString() {
    return hex();
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }
}

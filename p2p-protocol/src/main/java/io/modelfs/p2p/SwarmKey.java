package io.modelfs.p2p;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The swarm's shared secret: a node proves membership with an HMAC-SHA256 over the other
 * side's nonce. Agents and trackers read it from the same file ({@code --swarm-key-file});
 * surrounding whitespace is ignored so a key written by {@code echo} works.
 */
public final class SwarmKey {
  /** Fewer bytes than this are refused: the proof is only as strong as the key. */
  public static final int MIN_BYTES = 16;
  private static final byte[] LABEL = "modelfs-peer-auth".getBytes(StandardCharsets.US_ASCII);

  private final byte[] key;

  private SwarmKey(byte[] key) {
    this.key = key;
  }

  /** A key of at least {@link #MIN_BYTES} bytes; throws IllegalArgumentException otherwise. */
  public static SwarmKey of(byte[] key) {
    if (key.length < MIN_BYTES) {
      throw new IllegalArgumentException("swarm key is " + key.length + " bytes; at least " + MIN_BYTES + " are needed");
    }
    return new SwarmKey(key.clone());
  }

  /** Reads the key file; throws an IOException naming the file if it is missing, unreadable or too short. */
  public static SwarmKey read(Path file) throws IOException {
    byte[] raw;
    try {
      raw = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new IOException("cannot read swarm key file " + file + ": " + e.getMessage(), e);
    }
    byte[] trimmed = new String(raw, StandardCharsets.ISO_8859_1).strip().getBytes(StandardCharsets.ISO_8859_1);
    if (trimmed.length < MIN_BYTES) {
      throw new IOException("swarm key file " + file + " holds " + trimmed.length + " bytes; at least " + MIN_BYTES
          + " are needed (e.g. head -c 32 /dev/urandom | base64 > " + file + ")");
    }
    return new SwarmKey(trimmed);
  }

  /** HMAC-SHA256(key, label || theirNonce || myId || myNonce): what a node sends to prove membership. */
  byte[] proof(byte[] theirNonce, String myId, byte[] myNonce) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update(LABEL);
      mac.update(theirNonce);
      mac.update(myId.getBytes(StandardCharsets.UTF_8));
      mac.update(myNonce);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is unavailable in this JVM", e);
    }
  }

  /** Constant-time comparison of a received proof with the expected one. */
  boolean verify(byte[] proof, byte[] myNonce, String theirId, byte[] theirNonce) {
    return MessageDigest.isEqual(proof, proof(myNonce, theirId, theirNonce));
  }

  @Override
  public String toString() {
    return "SwarmKey[" + key.length + " bytes]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SwarmKey k && MessageDigest.isEqual(key, k.key);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(key);
  }
}

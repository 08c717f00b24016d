package io.modelfs.core;

import java.util.regex.Pattern;

/**
 * The identity of a model: {@code <name>@sha256:<64 hex>}, where the digest is the SHA-256 of
 * the manifest's bytes exactly as stored. Two refs with the same digest name the same content.
 */
public record ModelRef(String name, Digest digest) {
  private static final String PREFIX = "@sha256:";
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  public ModelRef {
    checkName(name);
  }

  /** Parses {@code name@sha256:hex}; the message of the exception says what is wrong. */
  public static ModelRef parse(String text) {
    int at = text.indexOf(PREFIX);
    if (at < 0) {
      throw new IllegalArgumentException(
          "'" + text + "' is not a model ref: expected <name>@sha256:<64 hex>, as printed by 'modelfs import'");
    }
    return new ModelRef(text.substring(0, at), Digest.parse(text.substring(at + PREFIX.length())));
  }

  /** True if {@code text} parses as a ref. */
  public static boolean looksLikeRef(String text) {
    try {
      parse(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Checks a model name: 1-128 of letters, digits, '.', '_', '-', not starting with punctuation. */
  public static String checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "model name '" + name + "' is not valid: use 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    return name;
  }

  @Override
  public String toString() {
    return name + PREFIX + digest.hex();
  }
}

package io.modelfs.agent.k8s;

import io.modelfs.core.ModelRef;
import java.util.regex.Pattern;

/**
 * The Node label that says "this node holds every chunk of this model", so that a workload can
 * ask to be scheduled where its model already is (node affinity on the key).
 *
 * <p>The mapping from a ref {@code <name>@sha256:<64 hex>}:
 *
 * <ul>
 *   <li>key: {@code model.modelfs.io/sha256-<the first 56 hex digits of the digest>}: the name
 *       part is 63 characters, the longest Kubernetes allows, and 224 bits of the manifest's
 *       SHA-256 identify the content without a practical chance of collision. The model name is
 *       left out of the key on purpose: the same content under two names is one model.
 *   <li>value: the model name, cut to 63 characters and stripped of trailing '.', '_' and '-'
 *       (names already use only letters, digits, '.', '_' and '-' and start with a letter or
 *       digit, as label values must); informational, for {@code kubectl get nodes -L}.
 * </ul>
 *
 * {@code modelfs label REF} prints the label for a ref.
 */
public record ModelLabel(String key, String value) {
  /** The prefix of every label the agent sets; anything under it on a Node is the agent's. */
  public static final String PREFIX = "model.modelfs.io/";

  private static final int MAX = 63;
  private static final String HASH_PREFIX = "sha256-";
  private static final Pattern NAME_PART = Pattern.compile("[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?");
  private static final Pattern VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");

  /** Checks both halves against Kubernetes' label syntax; the message names the bad part. */
  public ModelLabel {
    if (!key.startsWith(PREFIX) || !validNamePart(key.substring(PREFIX.length()))) {
      throw new IllegalArgumentException("'" + key + "' is not a modelfs label key: expected " + PREFIX
          + "<1-63 letters, digits, '-', '_', '.', starting and ending with a letter or digit>");
    }
    if (value.length() > MAX || !VALUE.matcher(value).matches()) {
      throw new IllegalArgumentException("'" + value + "' is not a valid label value: at most 63 letters, digits,"
          + " '-', '_', '.', starting and ending with a letter or digit");
    }
  }

  /** The label for a model, as the class describes. */
  public static ModelLabel of(ModelRef ref) {
    String key = PREFIX + HASH_PREFIX + ref.digest().hex().substring(0, MAX - HASH_PREFIX.length());
    String value = ref.name().length() > MAX ? ref.name().substring(0, MAX) : ref.name();
    int end = value.length();
    while (end > 0 && !Character.isLetterOrDigit(value.charAt(end - 1))) {
      end--;
    }
    return new ModelLabel(key, value.substring(0, end));
  }

  static boolean validNamePart(String s) {
    return s.length() <= MAX && NAME_PART.matcher(s).matches();
  }

  @Override
  public String toString() {
    return key + "=" + value;
  }
}

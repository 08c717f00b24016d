package io.modelfs.schedule;

/**
 * A well-spread 64-bit hash (FNV-1a, then SplitMix64's finalizer): deterministic tie-breaks that
 * differ per node, so equally good choices spread over the swarm instead of every node picking
 * the same one, and a simulation with the same inputs makes the same choices.
 */
final class Mix {
  private Mix() {}

  static long of(String a, long b) {
    return of(prefix(a), b);
  }

  /** The part of {@link #of(String, long)} that depends on {@code a} alone, to keep for a string hashed often. */
  static long prefix(String a) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < a.length(); i++) {
      h = (h ^ a.charAt(i)) * 0x100000001b3L;
    }
    return h;
  }

  /** {@code of(a, b)} given {@code prefix(a)}. */
  static long of(long prefix, long b) {
    long h = (prefix ^ 0xffff) * 0x100000001b3L;
    h = (h ^ b) * 0x100000001b3L;
    h = (h ^ (h >>> 30)) * 0xbf58476d1ce4e5b9L;
    h = (h ^ (h >>> 27)) * 0x94d049bb133111ebL;
    return h ^ (h >>> 31);
  }

  static long of(String a, String b) {
    return of(a, of(b, 0));
  }
}

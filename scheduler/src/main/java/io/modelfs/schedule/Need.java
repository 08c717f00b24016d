package io.modelfs.schedule;

/** Why a chunk is wanted, most urgent first: a process blocked reading it, readahead, pull/prefetch. */
public enum Need {
  FOREGROUND,
  READAHEAD,
  PREFETCH;

  /** True if this need is more urgent than {@code other}. */
  public boolean above(Need other) {
    return ordinal() < other.ordinal();
  }
}

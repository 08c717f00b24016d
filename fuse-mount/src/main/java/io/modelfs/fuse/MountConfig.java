package io.modelfs.fuse;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Settings of one FUSE mount. Immutable; {@link #defaults()} is what the agent uses unless
 * told otherwise, and the {@code with*} methods derive variants.
 *
 * @param readaheadChunks chunks beyond the one being read that a sequential reader asks
 *     {@link ModelContent#prefetch} for; 0 disables readahead
 * @param entryTimeout how long the kernel may cache a name lookup; long, because content is
 *     immutable
 * @param attrTimeout how long the kernel may cache attributes; long for the same reason
 * @param fsName the source shown by {@code mount} and {@code df}
 * @param allowOther whether users other than the mounting one may read the mount (needs root
 *     or {@code user_allow_other} in {@code /etc/fuse.conf})
 * @param extraOptions further {@code -o} options passed to libfuse as they are, one per entry
 * @param mountTimeout how long {@link FuseMount#mount} waits for the mount to go live
 */
public record MountConfig(
    int readaheadChunks,
    Duration entryTimeout,
    Duration attrTimeout,
    String fsName,
    boolean allowOther,
    List<String> extraOptions,
    Duration mountTimeout) {
  public static final int DEFAULT_READAHEAD_CHUNKS = 4;
  public static final Duration DEFAULT_CACHE_TIMEOUT = Duration.ofHours(1);
  public static final Duration DEFAULT_MOUNT_TIMEOUT = Duration.ofSeconds(10);
  private static final Pattern FS_NAME = Pattern.compile("[A-Za-z0-9._:/@-]{1,64}");

  public MountConfig {
    if (readaheadChunks < 0) {
      throw new IllegalArgumentException("readahead of " + readaheadChunks + " chunks is negative");
    }
    checkNotNegative("entry timeout", entryTimeout);
    checkNotNegative("attr timeout", attrTimeout);
    checkNotNegative("mount timeout", mountTimeout);
    if (fsName == null || !FS_NAME.matcher(fsName).matches()) {
      throw new IllegalArgumentException(
          "fsname '" + fsName + "' is not valid: use 1-64 letters, digits or ._:/@-");
    }
    extraOptions = List.copyOf(extraOptions);
    for (String option : extraOptions) {
      if (option.isEmpty() || option.contains(",")) {
        throw new IllegalArgumentException(
            "mount option '" + option + "' is empty or contains ','; pass one option per entry");
      }
    }
  }

  /** Readahead of 4 chunks, 1 h kernel caching, fsname "modelfs", allow_other, 10 s to mount. */
  public static MountConfig defaults() {
    return new MountConfig(
        DEFAULT_READAHEAD_CHUNKS,
        DEFAULT_CACHE_TIMEOUT,
        DEFAULT_CACHE_TIMEOUT,
        "modelfs",
        true,
        List.of(),
        DEFAULT_MOUNT_TIMEOUT);
  }

  public MountConfig withReadaheadChunks(int chunks) {
    return new MountConfig(chunks, entryTimeout, attrTimeout, fsName, allowOther, extraOptions, mountTimeout);
  }

  public MountConfig withCacheTimeouts(Duration entry, Duration attr) {
    return new MountConfig(readaheadChunks, entry, attr, fsName, allowOther, extraOptions, mountTimeout);
  }

  public MountConfig withFsName(String name) {
    return new MountConfig(readaheadChunks, entryTimeout, attrTimeout, name, allowOther, extraOptions, mountTimeout);
  }

  public MountConfig withAllowOther(boolean allow) {
    return new MountConfig(readaheadChunks, entryTimeout, attrTimeout, fsName, allow, extraOptions, mountTimeout);
  }

  public MountConfig withExtraOptions(List<String> options) {
    return new MountConfig(readaheadChunks, entryTimeout, attrTimeout, fsName, allowOther, options, mountTimeout);
  }

  public MountConfig withMountTimeout(Duration timeout) {
    return new MountConfig(readaheadChunks, entryTimeout, attrTimeout, fsName, allowOther, extraOptions, timeout);
  }

  private static void checkNotNegative(String what, Duration d) {
    if (d == null || d.isNegative()) {
      throw new IllegalArgumentException(what + " " + d + " is missing or negative");
    }
  }
}

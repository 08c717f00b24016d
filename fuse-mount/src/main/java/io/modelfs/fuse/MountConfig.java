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
 * @param kernelReadaheadKb the kernel's readahead window for the mount, in KiB, written to
 *     {@code /sys/class/bdi/<dev>/read_ahead_kb} after mounting (FUSE starts at 128); 0 leaves
 *     the kernel's value
 * @param formatPrefetch whether opening a safetensors or GGUF file reads its header and prefetches
 *     its tensors in file order
 */
public record MountConfig(
    int readaheadChunks,
    Duration entryTimeout,
    Duration attrTimeout,
    String fsName,
    boolean allowOther,
    List<String> extraOptions,
    Duration mountTimeout,
    int kernelReadaheadKb,
    boolean formatPrefetch) {
  public static final int DEFAULT_READAHEAD_CHUNKS = 4;
  public static final Duration DEFAULT_CACHE_TIMEOUT = Duration.ofHours(1);
  public static final Duration DEFAULT_MOUNT_TIMEOUT = Duration.ofSeconds(10);
  public static final int DEFAULT_KERNEL_READAHEAD_KB = 1024;
  /** The largest readahead window accepted: 1 GiB. */
  public static final int MAX_KERNEL_READAHEAD_KB = 1 << 20;
  private static final Pattern FS_NAME = Pattern.compile("[A-Za-z0-9._:/@-]{1,64}");

  public MountConfig {
    if (readaheadChunks < 0) {
      throw new IllegalArgumentException("readahead of " + readaheadChunks + " chunks is negative");
    }
    if (kernelReadaheadKb < 0 || kernelReadaheadKb > MAX_KERNEL_READAHEAD_KB) {
      throw new IllegalArgumentException("kernel readahead of " + kernelReadaheadKb + " KiB is outside 0.."
          + MAX_KERNEL_READAHEAD_KB);
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

  /**
   * Readahead of {@value #DEFAULT_READAHEAD_CHUNKS} chunks and a {@value #DEFAULT_KERNEL_READAHEAD_KB} KiB kernel
   * window (both chosen by bench/fuse-bench.sh, see docs/BENCHMARKS.md), safetensors- and GGUF-aware prefetch, 1 h kernel
   * caching, fsname "modelfs", allow_other, 10 s to mount.
   */
  public static MountConfig defaults() {
    return new MountConfig(
        DEFAULT_READAHEAD_CHUNKS,
        DEFAULT_CACHE_TIMEOUT,
        DEFAULT_CACHE_TIMEOUT,
        "modelfs",
        true,
        List.of(),
        DEFAULT_MOUNT_TIMEOUT,
        DEFAULT_KERNEL_READAHEAD_KB,
        true);
  }

  public MountConfig withReadaheadChunks(int chunks) {
    return new MountConfig(chunks, entryTimeout, attrTimeout, fsName, allowOther, extraOptions, mountTimeout, kernelReadaheadKb, formatPrefetch);
  }

  public MountConfig withCacheTimeouts(Duration entry, Duration attr) {
    return new MountConfig(readaheadChunks, entry, attr, fsName, allowOther, extraOptions, mountTimeout, kernelReadaheadKb, formatPrefetch);
  }

  public MountConfig withFsName(String name) {
    return new MountConfig(readaheadChunks, entryTimeout, attrTimeout, name, allowOther, extraOptions, mountTimeout, kernelReadaheadKb, formatPrefetch);
  }

  public MountConfig withAllowOther(boolean allow) {
    return new MountConfig(readaheadChunks, entryTimeout, attrTimeout, fsName, allow, extraOptions, mountTimeout, kernelReadaheadKb, formatPrefetch);
  }

  public MountConfig withExtraOptions(List<String> options) {
    return new MountConfig(readaheadChunks, entryTimeout, attrTimeout, fsName, allowOther, options, mountTimeout, kernelReadaheadKb, formatPrefetch);
  }

  public MountConfig withMountTimeout(Duration timeout) {
    return new MountConfig(readaheadChunks, entryTimeout, attrTimeout, fsName, allowOther, extraOptions, timeout, kernelReadaheadKb, formatPrefetch);
  }

  public MountConfig withKernelReadaheadKb(int kb) {
    return new MountConfig(readaheadChunks, entryTimeout, attrTimeout, fsName, allowOther, extraOptions, mountTimeout, kb,
        formatPrefetch);
  }

  public MountConfig withFormatPrefetch(boolean enabled) {
    return new MountConfig(readaheadChunks, entryTimeout, attrTimeout, fsName, allowOther, extraOptions, mountTimeout,
        kernelReadaheadKb, enabled);
  }

  private static void checkNotNegative(String what, Duration d) {
    if (d == null || d.isNegative()) {
      throw new IllegalArgumentException(what + " " + d + " is missing or negative");
    }
  }
}

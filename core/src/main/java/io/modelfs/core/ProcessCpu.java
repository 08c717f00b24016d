package io.modelfs.core;

import java.lang.management.ManagementFactory;

/** The CPU time this whole process has used (all threads, the JIT's and the collector's included). */
public final class ProcessCpu {
  private ProcessCpu() {}

  /** Nanoseconds of CPU this process has used, or -1 where the runtime does not report it. */
  public static long nanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return -1;
  }
}

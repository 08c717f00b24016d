package io.modelfs.sim;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Quantities as scenario files write them. Sizes: {@code 140GB} (decimal), {@code 64MiB}
 * (binary), {@code 1048576}. Rates: {@code 25Gbps} (bits per second), {@code 500MB/s},
 * {@code 2.5GB/s}, {@code 1GiB/s}; {@code unlimited} is infinite. Durations: {@code 0.5ms},
 * {@code 30s}, {@code 2min}, {@code 1h}, {@code 200us}. Decimal prefixes are powers of 1000
 * because link and storage vendors quote them so; {@code i} makes them powers of 1024.
 *
 * <p>Errors: {@link IllegalArgumentException} naming the text that did not parse.
 */
final class Units {
  private static final Pattern AMOUNT = Pattern.compile("([0-9]+(?:\\.[0-9]+)?)\\s*([a-zA-Z/]*)");

  private Units() {}

  /** Bytes. */
  static long size(String text) {
    Matcher m = match(text, "size");
    double bytes = Double.parseDouble(m.group(1)) * multiplier(m.group(2).toLowerCase(Locale.ROOT).replaceAll("b$", ""), text);
    if (!m.group(2).isEmpty() && !m.group(2).toLowerCase(Locale.ROOT).endsWith("b")) {
      throw new IllegalArgumentException("size '" + text + "' needs a unit ending in B (e.g. 140GB, 64MiB) or none");
    }
    return Math.round(bytes);
  }

  /** Bytes per second; {@code unlimited} gives {@link Double#POSITIVE_INFINITY}. */
  static double rate(String text) {
    if (text.trim().equalsIgnoreCase("unlimited")) {
      return Double.POSITIVE_INFINITY;
    }
    Matcher m = match(text, "rate");
    String unit = m.group(2);
    double value = Double.parseDouble(m.group(1));
    double rate;
    if (unit.endsWith("bps")) {
      rate = value * multiplier(unit.substring(0, unit.length() - 3).toLowerCase(Locale.ROOT), text) / 8;
    } else if (unit.endsWith("B/s")) {
      rate = value * multiplier(unit.substring(0, unit.length() - 3).toLowerCase(Locale.ROOT), text);
    } else {
      throw new IllegalArgumentException("rate '" + text + "' needs a unit: bps (bits, e.g. 25Gbps) or B/s (bytes, e.g. 500MB/s), or 'unlimited'");
    }
    if (rate <= 0) {
      throw new IllegalArgumentException("rate '" + text + "' must be positive");
    }
    return rate;
  }

  /** Nanoseconds. */
  static long nanos(String text) {
    Matcher m = match(text, "duration");
    double v = Double.parseDouble(m.group(1));
    double scale = switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "ns" -> 1;
      case "us" -> 1e3;
      case "ms" -> 1e6;
      case "s" -> 1e9;
      case "min", "m" -> 60e9;
      case "h" -> 3600e9;
      default -> throw new IllegalArgumentException("duration '" + text + "' needs a unit: ns, us, ms, s, min or h");
    };
    return Math.round(v * scale);
  }

  /** A short human form of bytes per second in decimal units: {@code 3.13 GB/s}. */
  static String formatRate(double bytesPerSecond) {
    return Double.isInfinite(bytesPerSecond) ? "unlimited" : formatBytes(bytesPerSecond) + "/s";
  }

  /** A short human form of bytes in decimal units: {@code 140 GB}. */
  static String formatBytes(double bytes) {
    String[] units = {"B", "kB", "MB", "GB", "TB", "PB"};
    int u = 0;
    while (bytes >= 1000 && u < units.length - 1) {
      bytes /= 1000;
      u++;
    }
    return String.format(Locale.ROOT, bytes >= 100 || u == 0 ? "%.0f %s" : "%.3g %s", bytes, units[u]);
  }

  /** Seconds with a sensible number of digits. */
  static String formatSeconds(double seconds) {
    if (Double.isNaN(seconds) || Double.isInfinite(seconds)) {
      return "-";
    }
    if (seconds >= 3600) {
      return String.format(Locale.ROOT, "%.2f h", seconds / 3600);
    }
    return String.format(Locale.ROOT, seconds >= 100 ? "%.0f s" : seconds >= 1 ? "%.1f s" : "%.3f s", seconds);
  }

  private static Matcher match(String text, String what) {
    Matcher m = AMOUNT.matcher(text == null ? "" : text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException(what + " '" + text + "' is not a number with an optional unit");
    }
    return m;
  }

  private static double multiplier(String prefix, String text) {
    return switch (prefix) {
      case "" -> 1;
      case "k" -> 1e3;
      case "m" -> 1e6;
      case "g" -> 1e9;
      case "t" -> 1e12;
      case "ki" -> 1024.0;
      case "mi" -> 1024.0 * 1024;
      case "gi" -> 1024.0 * 1024 * 1024;
      case "ti" -> 1024.0 * 1024 * 1024 * 1024;
      default -> throw new IllegalArgumentException("unknown unit prefix '" + prefix + "' in '" + text + "'");
    };
  }
}

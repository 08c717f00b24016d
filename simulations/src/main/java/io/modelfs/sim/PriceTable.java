package io.modelfs.sim;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The pricing table, kept as data in {@code pricing.csv} (sources in its header comments): per
 * service, the price per TB-month and the read throughput, fixed or per provisioned TiB.
 * Errors: a malformed row is an {@link IllegalArgumentException} naming the line.
 */
final class PriceTable {
  static final double TIB = 1024.0 * 1024 * 1024 * 1024;

  /** One service. A fixed throughput, or (if 0) a per-TiB one; bytes per second. */
  record Service(String cloud, String name, String kind, double usdPerTbMonth, double throughput, double throughputPerTib,
      double minProvisionTib, String note) {
    Service {
      if (usdPerTbMonth < 0 || throughput < 0 || throughputPerTib < 0 || minProvisionTib < 0) {
        throw new IllegalArgumentException("negative number in the price row for " + name);
      }
      if (kind.equals("nfs") && throughput == 0 && throughputPerTib == 0) {
        throw new IllegalArgumentException("price row for " + name + " has no throughput");
      }
    }

    boolean isNfs() {
      return kind.equals("nfs");
    }

    /** Capacity provisioned for a model of {@code bytes}: at least the minimum, in TiB. */
    double provisionedTib(double bytes) {
      return Math.max(bytes / TIB, minProvisionTib);
    }

    /** Aggregate read throughput at that provisioning, bytes per second. */
    double aggregate(double bytes) {
      return throughput > 0 ? throughput : throughputPerTib * provisionedTib(bytes);
    }

    /** Dollars per month to keep a model of {@code bytes} there (priced per decimal TB). */
    double usdPerMonth(double bytes) {
      return provisionedTib(bytes) * TIB / 1e12 * usdPerTbMonth;
    }
  }

  private PriceTable() {}

  static List<Service> shipped() {
    try (InputStream in = PriceTable.class.getResourceAsStream("/pricing.csv")) {
      if (in == null) {
        throw new IllegalStateException("pricing.csv is missing from the simulations jar");
      }
      return parse(new InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read pricing.csv: " + e.getMessage(), e);
    }
  }

  static List<Service> parse(Reader text) throws IOException {
    List<Service> out = new ArrayList<>();
    BufferedReader r = new BufferedReader(text);
    String line;
    int no = 0;
    boolean header = true;
    while ((line = r.readLine()) != null) {
      no++;
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      if (header) {
        header = false;
        continue;
      }
      List<String> f = fields(line);
      if (f.size() != 8) {
        throw new IllegalArgumentException("pricing.csv line " + no + " has " + f.size() + " fields, expected 8: " + line);
      }
      try {
        out.add(new Service(f.get(0), f.get(1), f.get(2), num(f.get(3)), num(f.get(4)) * 1e6, num(f.get(5)) * 1e6,
            num(f.get(6)), f.get(7)));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("pricing.csv line " + no + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  private static double num(String s) {
    return s.isBlank() ? 0 : Double.parseDouble(s.trim());
  }

  private static List<String> fields(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '"') {
        quoted = !quoted;
      } else if (c == ',' && !quoted) {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    out.add(cur.toString());
    return out;
  }
}

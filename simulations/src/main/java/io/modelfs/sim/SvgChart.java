package io.modelfs.sim;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A plain SVG line chart — axes, ticks, legend, one polyline per series — written by hand so the
 * charts need no plotting library and diff well in the repository.
 */
final class SvgChart {
  record Line(String name, double[] x, double[] y) {}

  private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2"};
  private static final int W = 720;
  private static final int H = 420;
  private static final int L = 80;
  private static final int R = 20;
  private static final int T = 40;
  private static final int B = 60;

  private final String title;
  private final String xLabel;
  private final String yLabel;
  private final boolean logX;
  private boolean logY;
  private final List<Line> lines = new ArrayList<>();

  SvgChart(String title, String xLabel, String yLabel, boolean logX) {
    this.title = title;
    this.xLabel = xLabel;
    this.yLabel = yLabel;
    this.logX = logX;
  }

  /** Plots y on a log scale (values <= 0 are dropped). */
  SvgChart logY() {
    this.logY = true;
    return this;
  }

  SvgChart add(String name, double[] x, double[] y) {
    if (x.length != y.length) {
      throw new IllegalArgumentException("series " + name + " has " + x.length + " x and " + y.length + " y values");
    }
    lines.add(new Line(name, x, y));
    return this;
  }

  String render() {
    double x0 = Double.POSITIVE_INFINITY;
    double x1 = Double.NEGATIVE_INFINITY;
    double y0 = logY ? Double.POSITIVE_INFINITY : 0;
    double y1 = logY ? Double.NEGATIVE_INFINITY : 0;
    for (Line l : lines) {
      for (int i = 0; i < l.x.length; i++) {
        if (ok(l.x[i], l.y[i])) {
          x0 = Math.min(x0, fx(l.x[i]));
          x1 = Math.max(x1, fx(l.x[i]));
          y0 = Math.min(y0, fy(l.y[i]));
          y1 = Math.max(y1, fy(l.y[i]));
        }
      }
    }
    if (logY) {
      y0 = Double.isFinite(y0) ? Math.floor(y0) : 0;
      y1 = Double.isFinite(y1) ? Math.max(Math.ceil(y1), y0 + 1) : 1;
    }
    if (!Double.isFinite(x0)) {
      x0 = 0;
      x1 = 1;
    }
    if (!logX) {
      x0 = Math.min(0, x0);
    }
    if (x1 <= x0) {
      x1 = x0 + 1;
    }
    if (!logY) {
      y1 = y1 <= 0 ? 1 : niceCeil(y1);
    }
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
        + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", W, H, W, H));
    b.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", W, H));
    b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"22\" font-size=\"15\" text-anchor=\"middle\">%s</text>%n", W / 2, esc(title)));
    int pw = W - L - R;
    int ph = H - T - B;
    for (int k = 0; k <= 5; k++) {
      double yv = y0 + (y1 - y0) * k / 5;
      double py = T + ph - ph * k / 5.0;
      b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>%n", L, py, L + pw, py));
      b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", L - 6, py + 4,
          num(logY ? Math.pow(10, yv) : yv)));
    }
    for (int k = 0; k <= 5; k++) {
      double xv = x0 + (x1 - x0) * k / 5;
      double px = L + pw * k / 5.0;
      b.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>%n", px, T, px, T + ph));
      b.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", px, T + ph + 16,
          num(logX ? Math.pow(10, xv) : xv)));
    }
    b.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#333\"/>%n", L, T, pw, ph));
    b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", L + pw / 2, H - 18, esc(xLabel)));
    b.append(String.format(Locale.ROOT, "<text x=\"18\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 18 %d)\">%s</text>%n",
        T + ph / 2, T + ph / 2, esc(yLabel)));
    for (int i = 0; i < lines.size(); i++) {
      Line l = lines.get(i);
      String colour = COLOURS[i % COLOURS.length];
      StringBuilder pts = new StringBuilder();
      for (int k = 0; k < l.x.length; k++) {
        if (ok(l.x[k], l.y[k])) {
          double px = L + pw * (fx(l.x[k]) - x0) / (x1 - x0);
          double py = T + ph - ph * (fy(l.y[k]) - y0) / (y1 - y0);
          pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
        }
      }
      b.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" points=\"%s\"/>%n", colour,
          pts.toString().trim()));
      int ly = T + 14 + 16 * i;
      b.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" stroke-width=\"3\"/>%n",
          L + pw - 200, ly - 4, L + pw - 180, ly - 4, colour));
      b.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\">%s</text>%n", L + pw - 175, ly, esc(l.name)));
    }
    b.append("</svg>\n");
    return b.toString();
  }

  private boolean ok(double x, double y) {
    return Double.isFinite(x) && Double.isFinite(y) && (!logX || x > 0) && (!logY || y > 0);
  }

  private double fy(double y) {
    return logY ? Math.log10(y) : y;
  }

  private double fx(double x) {
    return logX ? Math.log10(Math.max(x, 1e-9)) : x;
  }

  private static double niceCeil(double v) {
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
      if (m * p >= v) {
        return m * p;
      }
    }
    return 10 * p;
  }

  private static String num(double v) {
    double a = Math.abs(v);
    if (a == 0) {
      return "0";
    }
    if (a >= 1e4 || a < 1e-2) {
      return String.format(Locale.ROOT, "%.3g", v);
    }
    return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 10 ? "%.1f" : "%.2f", v);
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
  }
}

package dev.deneb.jepsen.report;

import java.util.List;
import java.util.Locale;

/** Escaping and small formatting shared by the report's pieces. */
final class Html {
  private Html() {}

  /** Epoch colours, cycled: distinguishable and readable on white. */
  private static final List<String> PALETTE = List.of(
      "#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#bcbd22", "#e377c2", "#7f7f7f");

  static String escape(Object value) {
    String text = String.valueOf(value);
    StringBuilder s = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '<' -> s.append("&lt;");
        case '>' -> s.append("&gt;");
        case '&' -> s.append("&amp;");
        case '"' -> s.append("&quot;");
        case '\'' -> s.append("&#39;");
        default -> s.append(c);
      }
    }
    return s.toString();
  }

  /** The colour of an epoch; {@code null} (unknown epoch) is black. */
  static String colour(Long epoch) {
    return epoch == null ? "#000000" : PALETTE.get((int) Math.floorMod(epoch, (long) PALETTE.size()));
  }

  /** A number for SVG attributes: one decimal, dot separator whatever the locale. */
  static String num(double v) {
    return String.format(Locale.ROOT, "%.1f", v);
  }
}

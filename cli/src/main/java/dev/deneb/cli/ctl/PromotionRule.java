package dev.deneb.cli.ctl;

import java.util.Locale;

/** Whether a node may become primary: preferred, neutral, or never ({@code must_not}). */
enum PromotionRule {
  PREFER,
  NEUTRAL,
  MUST_NOT;

  String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}

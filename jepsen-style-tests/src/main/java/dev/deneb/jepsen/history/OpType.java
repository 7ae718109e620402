package dev.deneb.jepsen.history;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * The four Jepsen operation types. An {@code invoke} is followed, for the same process, by exactly
 * one completion: {@code ok} (it happened), {@code fail} (it definitely did not happen) or
 * {@code info} (indeterminate: it may or may not have happened, see {@link Outcomes}).
 */
public enum OpType {
  INVOKE, OK, FAIL, INFO;

  /** The JSON name, lower case as Jepsen and elle-cli write it. */
  @JsonValue
  public String json() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Reads {@code invoke|ok|fail|info}, with or without Clojure's leading colon. */
  @JsonCreator
  public static OpType parse(String text) {
    String t = text.startsWith(":") ? text.substring(1) : text;
    for (OpType type : values()) {
      if (type.json().equals(t)) return type;
    }
    throw new IllegalArgumentException("unknown op type '" + text + "': expected invoke, ok, fail or info");
  }

  /** True for {@code ok}, {@code fail} and {@code info}. */
  public boolean isCompletion() {
    return this != INVOKE;
  }
}

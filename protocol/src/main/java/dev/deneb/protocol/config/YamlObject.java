package dev.deneb.protocol.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A YAML mapping read field by field, so every error names the field's full path
 * ({@code peers[1].raft}) and unknown fields are rejected rather than silently ignored — a typo in
 * an HA controller's configuration must not quietly fall back to a default.
 */
public final class YamlObject {
  private final JsonNode node;
  private final String path;

  public YamlObject(JsonNode node, String path, Set<String> allowed) {
    this.node = node;
    this.path = path;
    if (!node.isObject()) {
      throw new FieldError(where(""), "must be a mapping of fields");
    }
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String name = names.next();
      if (!allowed.contains(name)) {
        throw new FieldError(where(name), "is not a known field (known: " + String.join(", ", allowed) + ")");
      }
    }
  }

  /** An unchecked carrier for the first error found; the loader turns it into a ConfigException. */
  public static final class FieldError extends RuntimeException {
    public FieldError(String field, String problem) {
      super(field + ": " + problem);
    }
  }

  public String where(String field) {
    if (field.isEmpty()) return path.isEmpty() ? "(top level)" : path;
    return path.isEmpty() ? field : path + "." + field;
  }

  public boolean has(String field) {
    return node.hasNonNull(field);
  }

  public String requiredString(String field) {
    if (!has(field)) throw new FieldError(where(field), "is required");
    return string(field, null);
  }

  public String string(String field, String fallback) {
    if (!has(field)) return fallback;
    JsonNode v = node.get(field);
    if (!v.isTextual() && !v.isNumber()) throw new FieldError(where(field), "must be a string");
    String s = v.asText().trim();
    if (s.isEmpty()) throw new FieldError(where(field), "must not be empty");
    return s;
  }

  /** The field parsed, the fallback parsed when absent, or null when absent without a fallback. */
  public <T> T parsed(String field, String fallback, Function<String, T> parser) {
    String text = string(field, fallback);
    if (text == null) return null;
    try {
      return parser.apply(text);
    } catch (IllegalArgumentException e) {
      throw new FieldError(where(field), e.getMessage());
    }
  }

  public Duration duration(String field, String fallback) {
    return parsed(field, fallback, Units::duration);
  }

  public long bytes(String field, String fallback) {
    return parsed(field, fallback, Units::bytes);
  }

  public long positiveLong(String field, long fallback) {
    if (!has(field)) return fallback;
    JsonNode v = node.get(field);
    if (!v.canConvertToLong() || !v.isIntegralNumber() || v.asLong() <= 0) {
      throw new FieldError(where(field), "must be a positive whole number, got '" + v.asText() + "'");
    }
    return v.asLong();
  }

  /** A list of strings; absent means empty. */
  public List<String> stringList(String field) {
    if (!has(field)) return List.of();
    JsonNode v = node.get(field);
    if (!v.isArray()) throw new FieldError(where(field), "must be a list");
    List<String> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      if (!v.get(i).isTextual()) throw new FieldError(where(field) + "[" + i + "]", "must be a string");
      out.add(v.get(i).asText().trim());
    }
    return out;
  }

  public double doubleValue(String field) {
    JsonNode v = node.get(field);
    if (v == null || !v.isNumber()) throw new FieldError(where(field), "must be a number");
    return v.asDouble();
  }

  public YamlObject object(String field, Set<String> allowed) {
    if (!has(field)) return new YamlObject(com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode(), where(field), allowed);
    return new YamlObject(node.get(field), where(field), allowed);
  }

  public List<YamlObject> requiredList(String field, Set<String> allowed) {
    if (!has(field)) throw new FieldError(where(field), "is required");
    JsonNode v = node.get(field);
    if (!v.isArray()) throw new FieldError(where(field), "must be a list");
    List<YamlObject> items = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      items.add(new YamlObject(v.get(i), where(field) + "[" + i + "]", allowed));
    }
    return items;
  }

  /**
   * A mapping of free-form keys to strings ({@code servers: { db1: web-db1 }}); absent means empty.
   * Keys keep the file's order.
   */
  public java.util.Map<String, String> stringMap(String field) {
    java.util.Map<String, String> out = new java.util.LinkedHashMap<>();
    if (!has(field)) return out;
    JsonNode v = node.get(field);
    if (!v.isObject()) throw new FieldError(where(field), "must be a mapping of names to strings");
    Iterator<java.util.Map.Entry<String, JsonNode>> entries = v.fields();
    while (entries.hasNext()) {
      java.util.Map.Entry<String, JsonNode> e = entries.next();
      JsonNode value = e.getValue();
      if (!value.isTextual() && !value.isNumber()) throw new FieldError(where(field) + "." + e.getKey(), "must be a string");
      String s = value.asText().trim();
      if (s.isEmpty()) throw new FieldError(where(field) + "." + e.getKey(), "must not be empty");
      out.put(e.getKey(), s);
    }
    return out;
  }

  /**
   * A list of non-empty lists of strings, e.g. commands as argv lists
   * ({@code pre: [ ["/usr/local/bin/drain", "--fast"] ]}); absent means empty.
   */
  public List<List<String>> stringListList(String field) {
    if (!has(field)) return List.of();
    JsonNode v = node.get(field);
    if (!v.isArray()) throw new FieldError(where(field), "must be a list of lists of strings");
    List<List<String>> out = new ArrayList<>();
    for (int i = 0; i < v.size(); i++) {
      JsonNode item = v.get(i);
      String at = where(field) + "[" + i + "]";
      if (!item.isArray()) throw new FieldError(at, "must be a list of strings, e.g. [\"/path/cmd\", \"arg\"]");
      if (item.isEmpty()) throw new FieldError(at, "must not be empty");
      List<String> inner = new ArrayList<>();
      for (int j = 0; j < item.size(); j++) {
        if (!item.get(j).isTextual()) throw new FieldError(at + "[" + j + "]", "must be a string");
        inner.add(item.get(j).asText());
      }
      out.add(List.copyOf(inner));
    }
    return List.copyOf(out);
  }
}

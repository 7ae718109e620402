package dev.deneb.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deneb.cli.Durations;
import dev.deneb.cli.Table;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Table renderings of the API's JSON (docs/api.md); {@code -o json} bypasses them. */
final class Views {

  private Views() {}

  /** {@code GET /v1/clusters}: one line per cluster. */
  static String clusters(JsonNode body) {
    Table table = Table.withHeaders("NAME", "EPOCH", "PRIMARY", "NODES", "WORKFLOW", "PAUSED");
    for (JsonNode c : body.path("clusters")) {
      table.row(text(c, "name"), c.path("epoch").asLong(), text(c, "primary"), nodeCount(c.path("nodes")),
          workflow(c.path("workflow")), yesNo(c.path("paused")));
    }
    return table.isEmpty() ? "no clusters yet: create one with 'deneb ctl create <name>'\n" : table.render();
  }

  /** {@code GET /v1/clusters/{c}}: settings as key/value lines, then its nodes. */
  static String cluster(JsonNode c) {
    JsonNode settings = c.path("settings");
    String primary = text(c, "primary");
    JsonNode primaryNode = node(c, primary);
    String primaryText = primary == null ? null
        : primaryNode == null ? primary : primary + " (" + address(primaryNode) + ")";

    List<String> settingText = new ArrayList<>();
    settingText.add("durability " + settings.path("durability").asText("?"));
    settingText.add("lease ttl " + millis(settings.path("leaseTtlMs")));
    settingText.add("auto-failover " + (settings.path("autoFailover").asBoolean(true) ? "on" : "off"));
    settingText.add("cooldown " + millis(settings.path("cooldownMs")));
    settingText.add("failsafe " + (settings.path("failsafe").asBoolean(true) ? "on" : "off"));
    if (settings.path("dnsNames").size() > 0) {
      List<String> names = new ArrayList<>();
      settings.path("dnsNames").forEach(n -> names.add(n.asText()));
      settingText.add("dns " + String.join(" ", names));
    }

    Map<String, Object> head = new LinkedHashMap<>();
    head.put("cluster", text(c, "name"));
    head.put("epoch", c.path("epoch").asLong());
    head.put("primary", primaryText);
    head.put("paused", yesNo(c.path("paused")));
    head.put("workflow", workflow(c.path("workflow")));
    head.put("settings", String.join(", ", settingText));
    Table top = Table.withoutHeaders(2);
    head.forEach(top::row);

    Table nodes = Table.withHeaders("NODE", "ADDRESS", "ROLE", "PROMOTION", "STATE");
    for (JsonNode n : c.path("nodes")) {
      String name = text(n, "node");
      nodes.row(name, address(n), name != null && name.equals(primary) ? "primary" : "replica",
          text(n, "promotionRule"), text(n, "state"));
    }
    return top.render() + "\n" + (nodes.isEmpty() ? "no nodes yet: add one with 'deneb ctl add-node'\n" : nodes.render());
  }

  /** Primary: {@code orders: epoch 1, primary db1 at 127.0.0.1:3307}. */
  static String primary(JsonNode p) {
    return text(p, "cluster") + ": epoch " + p.path("epoch").asLong() + ", primary " + text(p, "node")
        + " at " + address(p) + "\n";
  }

  /** {@code GET /v1/clusters/{c}/history}, oldest first as the server sends it. */
  static String history(JsonNode body) {
    Table table = Table.withHeaders("EPOCH", "PRIMARY", "REASON", "AT", "LOST GTIDS");
    for (JsonNode h : body.path("history")) {
      String at = h.path("atMillis").isNumber()
          ? Instant.ofEpochMilli(h.path("atMillis").asLong()).truncatedTo(ChronoUnit.SECONDS).toString()
          : null;
      table.row(h.path("epoch").asLong(), text(h, "primary"), text(h, "reason"), at, text(h, "lostGtids"));
    }
    return table.isEmpty() ? text(body, "cluster") + ": no epochs yet (not bootstrapped)\n" : table.render();
  }

  /**
   * {@code GET /v1/clusters/{c}/explain}: who decided what and why (the reason enum, the detail), the
   * workflow if one is in flight, then one evidence line per node as the leader sees it.
   */
  static String explain(JsonNode x) {
    Map<String, Object> head = new LinkedHashMap<>();
    head.put("cluster", text(x, "cluster"));
    String at = x.path("atMillis").isNumber()
        ? " at " + Instant.ofEpochMilli(x.path("atMillis").asLong()).truncatedTo(ChronoUnit.MILLIS) : "";
    head.put("decided by", text(x, "member") + " (" + text(x, "role") + ", term " + x.path("term").asLong() + ")" + at);
    head.put("reason", text(x, "reason"));
    head.put("action", text(x, "action"));
    head.put("detail", text(x, "detail"));
    head.put("workflow", workflow(x.path("workflow")));
    JsonNode evidence = x.path("evidence");
    List<String[]> nodes = new ArrayList<>();
    for (var it = evidence.fields(); it.hasNext(); ) {
      var e = it.next();
      if (e.getKey().startsWith("node.")) {
        nodes.add(new String[] {e.getKey().substring("node.".length()), e.getValue().asText()});
      } else if (e.getKey().equals("leaseSilenceMillis")) {
        head.put("lease silence", e.getValue().asText() + " ms since the newest lease round a majority of members can have granted");
      } else if (e.getKey().equals("stepAgeMillis")) {
        head.put("step age", e.getValue().asText() + " ms at this step");
      } else {
        head.put(e.getKey(), e.getValue().asText());
      }
    }
    Table top = Table.withoutHeaders(2);
    head.forEach(top::row);
    Table evidenceTable = Table.withHeaders("NODE", "EVIDENCE");
    nodes.forEach(n -> evidenceTable.row((Object[]) n));
    return top.render() + "\n" + (evidenceTable.isEmpty() ? "no per-node evidence at " + text(x, "member") + "\n"
        : evidenceTable.render());
  }

  /** {@code failover db1->db2 at candidate_chosen}, or null when no workflow is in flight. */
  static String workflow(JsonNode w) {
    if (w == null || w.isNull() || w.isMissingNode()) {
      return null;
    }
    String from = text(w, "from");
    String target = text(w, "target");
    String route = target == null ? "from " + from : from + "->" + target;
    return text(w, "kind") + " " + route + " at " + text(w, "step") + (w.path("automatic").asBoolean(false) ? " (automatic)" : "");
  }

  private static String nodeCount(JsonNode nodes) {
    Map<String, Integer> notOnline = new LinkedHashMap<>();
    for (JsonNode n : nodes) {
      String state = n.path("state").asText("online");
      if (!state.equals("online")) {
        notOnline.merge(state, 1, Integer::sum);
      }
    }
    if (notOnline.isEmpty()) {
      return Integer.toString(nodes.size());
    }
    List<String> parts = new ArrayList<>();
    notOnline.forEach((state, count) -> parts.add(count + " " + state));
    return nodes.size() + " (" + String.join(", ", parts) + ")";
  }

  private static JsonNode node(JsonNode cluster, String name) {
    for (JsonNode n : cluster.path("nodes")) {
      if (n.path("node").asText().equals(name)) {
        return n;
      }
    }
    return null;
  }

  private static String address(JsonNode hostAndPort) {
    String host = text(hostAndPort, "host");
    if (host == null) {
      return null;
    }
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + hostAndPort.path("port").asInt();
  }

  private static String millis(JsonNode ms) {
    return ms.isNumber() ? Durations.format(Duration.ofMillis(ms.asLong())) : "?";
  }

  private static String yesNo(JsonNode flag) {
    return flag.asBoolean(false) ? "yes" : "no";
  }

  /** The field's text, or null when absent or JSON null (the table prints "-"). */
  static String text(JsonNode json, String field) {
    JsonNode value = json.path(field);
    return value.isMissingNode() || value.isNull() ? null : value.asText();
  }
}

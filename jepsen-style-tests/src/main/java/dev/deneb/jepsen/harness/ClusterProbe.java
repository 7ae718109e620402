package dev.deneb.jepsen.harness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deneb.fencing.gtid.GtidState;
import dev.deneb.sandbox.ControllerApi;
import dev.deneb.sandbox.ControllerMember;
import dev.deneb.sandbox.HaEnvironment;
import java.io.IOException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** What the harness reads of the cluster: settle state, quarantines, API and DNS answers, rows. */
final class ClusterProbe {
  private static final String CLUSTER = "/v1/clusters/" + HaEnvironment.CLUSTER;
  private final HaEnvironment env;

  ClusterProbe(HaEnvironment env) {
    this.env = env;
  }

  ControllerApi api() {
    return env.api();
  }

  /** {@code GET /v1/clusters/orders} (linearizable), or empty when no member answers with 200. */
  Optional<JsonNode> cluster() {
    try {
      ControllerApi.Response r = env.api().get(CLUSTER);
      return r.status() == 200 ? Optional.of(r.body()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  JsonNode history() throws IOException {
    ControllerApi.Response r = env.api().get(CLUSTER + "/history");
    if (r.status() != 200) throw new IOException("GET " + CLUSTER + "/history: HTTP " + r.status() + " " + r.body());
    return r.body();
  }

  /** No workflow in flight and no node waiting for its check (quarantined counts as checked). */
  boolean settled() {
    Optional<JsonNode> c = cluster();
    if (c.isEmpty() || c.get().path("workflow").isObject()) return false;
    for (JsonNode n : c.get().path("nodes")) {
      if (n.path("needsCheck").asBoolean()) return false;
    }
    return true;
  }

  /** Quarantined nodes now. */
  Set<String> quarantined() {
    Set<String> q = new TreeSet<>();
    cluster().ifPresent(c -> c.path("nodes").forEach(n -> {
      if (n.path("state").asText().equals("quarantined")) q.add(n.path("node").asText());
    }));
    return q;
  }

  /** The primary's node and epoch per a linearizable {@code /primary}, or empty. */
  Optional<ControllerApi.Primary> linearizablePrimary() {
    try {
      ControllerApi.Response r = env.api().get(CLUSTER + "/primary");
      if (r.status() != 200) return Optional.empty();
      JsonNode b = r.body();
      return Optional.of(new ControllerApi.Primary(b.path("epoch").asLong(), b.path("node").asText(),
          b.path("host").asText(), b.path("port").asInt()));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * The node the built-in DNS names, from each member's TXT record {@code epoch=<n> node=<id>}
   * (A records cannot tell sandbox nodes apart: they all listen on 127.0.0.1). Every member must
   * answer and agree; otherwise the answer says what each member said.
   */
  String dnsAnswer() {
    Map<String, String> answers = new LinkedHashMap<>();
    for (String id : env.controllers().memberIds()) {
      String server = env.controllers().member(id).host() + ":" + env.controllers().member(id).dnsPort();
      answers.put(id, txt(server).orElse("no answer"));
    }
    Set<String> distinct = new HashSet<>(answers.values());
    if (distinct.size() == 1 && !distinct.contains("no answer")) {
      String t = distinct.iterator().next();
      int at = t.indexOf("node=");
      return at < 0 ? t : t.substring(at + 5).trim();
    }
    return "members disagree " + answers;
  }

  /** The GTID position {@code node} has executed. */
  GtidState executed(String node) throws SQLException {
    try (Connection c = env.rootEndpoint(node).open()) {
      return env.databases().dialect().executedGtids(c);
    }
  }

  /**
   * Whether every node but {@code primary} and {@code skipped} has executed {@code position}; false
   * while one cannot be asked.
   */
  boolean replicasHave(String primary, GtidState position, Set<String> skipped) {
    for (var node : env.databases().nodes()) {
      if (node.id().equals(primary) || skipped.contains(node.id())) continue;
      try {
        if (!executed(node.id()).contains(position)) return false;
      } catch (SQLException e) {
        return false;
      }
    }
    return true;
  }

  /** Every value in {@code app.writes} on {@code node}. */
  Set<String> rows(String node) throws SQLException {
    Set<String> rows = new HashSet<>();
    try (Connection c = env.rootEndpoint(node).open(); Statement s = c.createStatement();
        ResultSet r = s.executeQuery("SELECT id FROM app.writes")) {
      while (r.next()) rows.add(Long.toString(r.getLong(1)));
    }
    return rows;
  }

  private static Optional<String> txt(String server) {
    try {
      String[] hp = server.split(":");
      SimpleResolver resolver = new SimpleResolver(hp[0]);
      resolver.setPort(Integer.parseInt(hp[1]));
      resolver.setTimeout(Duration.ofSeconds(1));
      Name name = Name.fromString(HaEnvironment.CLUSTER + "." + ControllerMember.DNS_ZONE);
      Message answer = resolver.send(Message.newQuery(Record.newRecord(name, Type.TXT, DClass.IN)));
      List<String> texts = new ArrayList<>();
      for (Record rec : answer.getSection(Section.ANSWER)) {
        if (rec instanceof TXTRecord t) texts.add(String.join("", t.getStrings()));
      }
      return texts.stream().findFirst();
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}

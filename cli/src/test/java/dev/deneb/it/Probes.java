package dev.deneb.it;

import static org.awaitility.Awaitility.await;

import dev.deneb.fencing.dialect.DatabaseEndpoint;
import dev.deneb.sandbox.ControllerGroupSandbox;
import dev.deneb.sandbox.ControllerView;
import dev.deneb.sandbox.HaEnvironment;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

/** Reads the failover process tests make of real servers: rows, GTIDs, DNS answers. */
final class Probes {
  private Probes() {}

  /** One node of {@code orders} as {@code GET /v1/clusters/orders} shows it. */
  static com.fasterxml.jackson.databind.JsonNode node(HaEnvironment env, String node) throws Exception {
    for (var n : env.api().get("/v1/clusters/orders").body().get("nodes")) {
      if (n.get("node").asText().equals(node)) return n;
    }
    throw new AssertionError("no node " + node);
  }

  /** The step of {@code orders}' workflow in flight, lower-case as the API gives it; empty when none is. */
  static Optional<String> workflowStep(HaEnvironment env) throws Exception {
    var w = env.api().get("/v1/clusters/orders").body().path("workflow");
    return w.isObject() ? Optional.of(w.path("step").asText()) : Optional.empty();
  }

  /** Waits until {@code replica} replicates from {@code primary}'s port with both threads running. */
  static void awaitReplicatingFrom(HaEnvironment env, String replica, String primary) {
    int port = env.db(primary).port();
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(90)).until(() -> {
      try (Connection c = env.rootEndpoint(replica).open()) {
        var s = env.databases().dialect().replicationStatus(c);
        return s.isPresent() && s.get().sourcePort() == port && s.get().replicating();
      }
    });
  }

  /** Every id in app.writes on {@code endpoint}. */
  static Set<Long> rows(DatabaseEndpoint endpoint) throws SQLException {
    Set<Long> ids = new HashSet<>();
    try (Connection c = endpoint.open(); Statement s = c.createStatement(); ResultSet r = s.executeQuery("SELECT id FROM app.writes")) {
      while (r.next()) ids.add(r.getLong(1));
    }
    return ids;
  }

  static String executedGtids(HaEnvironment env, String node) throws SQLException {
    try (Connection c = env.rootEndpoint(node).open()) {
      return env.databases().dialect().executedGtids(c).format();
    }
  }

  /** The TXT "epoch=<n> node=<id>" the built-in DNS server at host:port gives for the cluster. */
  static Optional<String> dnsTxt(String server) {
    try {
      String[] hp = server.split(":");
      SimpleResolver resolver = new SimpleResolver(hp[0]);
      resolver.setPort(Integer.parseInt(hp[1]));
      resolver.setTimeout(java.time.Duration.ofSeconds(1));
      Name name = Name.fromString(HaEnvironment.CLUSTER + "." + dev.deneb.sandbox.ControllerMember.DNS_ZONE);
      Message answer = resolver.send(Message.newQuery(Record.newRecord(name, Type.TXT, DClass.IN)));
      List<Record> records = answer.getSection(Section.ANSWER);
      for (Record rec : records) {
        if (rec instanceof TXTRecord txt) return Optional.of(String.join("", txt.getStrings()));
      }
      return Optional.empty();
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
  }

  /** Whether the A query is answered (NOERROR with an address) by the server at host:port. */
  static boolean dnsAnswersA(String server) {
    try {
      String[] hp = server.split(":");
      SimpleResolver resolver = new SimpleResolver(hp[0]);
      resolver.setPort(Integer.parseInt(hp[1]));
      Name name = Name.fromString(HaEnvironment.CLUSTER + "." + dev.deneb.sandbox.ControllerMember.DNS_ZONE);
      Message answer = resolver.send(Message.newQuery(Record.newRecord(name, Type.A, DClass.IN)));
      return !answer.getSection(Section.ANSWER).isEmpty();
    } catch (java.io.IOException e) {
      return false;
    }
  }

  /** One member's {@code explain} answer: who said it, in which term, the decision's reason and detail. */
  record Explained(String member, long term, String reason, String detail) {}

  /**
   * {@code GET /v1/clusters/orders/explain} from the member that says it leads (the highest term if
   * two briefly do): only the leader's explanation is authoritative. Empty while no member leads.
   */
  static Optional<Explained> leaderExplain(HaEnvironment env) {
    Explained best = null;
    for (String id : env.controllers().memberIds()) {
      Api.Response r = new Api(env.controllers().endpoint(id)).getOrNull("/v1/clusters/orders/explain");
      if (r == null || r.status() != 200 || !r.body().path("role").asText().equals("LEADER")) continue;
      Explained x = new Explained(id, r.body().path("term").asLong(), r.body().path("reason").asText(),
          r.body().path("detail").asText());
      if (best == null || x.term() > best.term()) best = x;
    }
    return Optional.ofNullable(best);
  }

  /** Whether the leader's newest decision for {@code orders} has {@code reason}. */
  static boolean leaderReasonIs(HaEnvironment env, String reason) {
    return leaderExplain(env).map(x -> x.reason().equals(reason)).orElse(false);
  }

  private static final String LEASE_DB1 = "{\"leases\":[{\"cluster\":\"orders\",\"node\":\"db1\",\"epoch\":1}]}";

  /**
   * Waits until member {@code id} answers, follows a leader (or leads), and has granted db1's epoch-1
   * lease within the last second: it is back in the group and on the lease path again. Fails at once
   * if the member says that lease is closed for good (a failover began).
   */
  static void awaitGrantingDb1(ControllerGroupSandbox group, String id) {
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(() -> {
      ControllerView v;
      try {
        v = group.probe(id);
      } catch (java.io.IOException e) {
        return false;
      }
      if (v.leader() == null) return false;
      Api.Response r = new Api(group.endpoint(id)).postOrNull("/v1/internal/leases", LEASE_DB1);
      if (r == null || r.status() != 200) return false;
      com.fasterxml.jackson.databind.JsonNode view = r.body().path("views").path(0);
      if (view.path("closed").asBoolean()) {
        throw new AssertionError(id + " will never grant db1's epoch-1 lease again (a failover began): " + view);
      }
      return view.path("granted").asBoolean() && view.path("silenceMillis").asLong(Long.MAX_VALUE) < 1000;
    });
  }

  /** One counter or gauge of member {@code id}'s /metrics (summed over its series), 0 when absent. */
  static double metric(ControllerGroupSandbox group, String id, String name) throws Exception {
    var response = java.net.http.HttpClient.newHttpClient().send(java.net.http.HttpRequest.newBuilder(
        group.endpoint(id).resolve("/metrics")).timeout(Duration.ofSeconds(5)).build(),
        java.net.http.HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IllegalStateException(id + " /metrics: HTTP " + response.statusCode() + " " + response.body());
    }
    double sum = 0;
    for (String line : response.body().split("\n")) {
      if (line.startsWith(name + " ") || line.startsWith(name + "{")) sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
    }
    return sum;
  }
}

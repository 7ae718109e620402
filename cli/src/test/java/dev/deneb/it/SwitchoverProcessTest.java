package dev.deneb.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deneb.cli.Deneb;
import dev.deneb.sandbox.HaEnvironment;
import dev.deneb.sandbox.workload.Writer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.sql.Connection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Issue 4, Done when 5 (DESIGN §3.5): planned switchovers under a continuous semi-sync writer lose
 * no acknowledged write, the old primary rejoins as a replica of the new one (it was fenced first and
 * the target caught up to its final position, so nothing is left to quarantine), and the write pause
 * is measured. The first switchover goes through the HTTP API, the others through
 * {@code deneb ctl switchover} (one with {@code --to}, one where the controller picks); {@code deneb
 * ctl explain} is checked against the leader at the end.
 */
class SwitchoverProcessTest {
  private static final Duration SETTLE = Duration.ofSeconds(90);
  private static final Pattern FINAL_POSITION = Pattern.compile("CANDIDATE_SAFE — (\\S+) executed the old primary's final position (\\S+)");

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) java.nio.file.Path dir;

  @Test
  void switchoversLoseNoAcknowledgedWriteAndTheOldPrimaryRejoins() throws Exception {
    try (HaEnvironment env = HaEnvironment.start(dir, HaEnvironment.Options.defaults().withDurability("semi-sync"))) {
      Writer writer = new Writer("w1", 1, env::primaryTarget).start();
      await().atMost(SETTLE).until(() -> writer.acks().size() > 100);
      String endpoints = String.join(",", env.controllers().endpoints().stream().map(URI::toString).toList());

      // ---- 1: through the API, to a named replica ----
      long t0 = System.nanoTime();
      Api.Response begun = new Api(env.controllers().endpoint(env.controllers().awaitLeader()))
          .post("/v1/clusters/orders/switchover", "{\"to\":\"db2\",\"reason\":\"process test: planned switchover\"}");
      assertThat(begun.status()).as(begun.body().toString()).isEqualTo(202);
      assertThat(begun.body().path("workflow").path("kind").asText()).isEqualTo("switchover");
      assertThat(begun.body().path("workflow").path("target").asText()).isEqualTo("db2");
      awaitSwitchedOver(env, writer, t0, 2, "db1", "db2");

      // ---- 2: back through the CLI, with --to ----
      t0 = System.nanoTime();
      Run back = ctl("--endpoints", endpoints, "switchover", "orders", "--to", "db1", "--reason", "process test: back");
      assertThat(back.exitCode()).as(back.err()).isZero();
      assertThat(back.out()).startsWith("switchover begun on orders").contains("switchover db2->db1 at ");
      awaitSwitchedOver(env, writer, t0, 3, "db2", "db1");

      // ---- 3: through the CLI, the controller picks the target ----
      t0 = System.nanoTime();
      Run picked = ctl("--endpoints", endpoints, "-o", "json", "switchover", "orders");
      assertThat(picked.exitCode()).as(picked.err()).isZero();
      JsonNode pickedJson = Api.JSON.readTree(picked.out());
      String target = pickedJson.path("workflow").path("target").asText();
      assertThat(target).as(picked.out()).isIn("db2", "db3");
      awaitSwitchedOver(env, writer, t0, 4, "db1", target);

      // ---- explain, asked of the leader by the CLI ----
      String leader = env.controllers().awaitLeader();
      await().atMost(SETTLE).until(() -> {
        Run json = ctl("--endpoints", endpoints, "-o", "json", "explain", "orders");
        return json.exitCode() == 0 && Api.JSON.readTree(json.out()).path("reason").asText().equals("PRIMARY_HEALTHY");
      });
      JsonNode explained = Api.JSON.readTree(ctl("--endpoints", endpoints, "-o", "json", "explain", "orders").out());
      assertThat(explained.path("member").asText()).isEqualTo(leader);
      assertThat(explained.path("role").asText()).isEqualTo("LEADER");
      assertThat(explained.path("evidence").has("node.db1")).isTrue();
      Run human = ctl("--endpoints", endpoints, "explain", "orders");
      assertThat(human.exitCode()).as(human.err()).isZero();
      assertThat(human.out()).contains("decided by     " + leader + " (LEADER, term ").contains("reason         PRIMARY_HEALTHY")
          .contains("NODE  EVIDENCE");
      for (String n : List.of("db1", "db2", "db3")) assertThat(human.out()).containsPattern("\n" + n + " +report \\d+ ms old, mysqld up");
      writer.close();
    }
  }

  /**
   * Awaits epoch {@code epoch} naming {@code to} with its workflow complete, then checks what a
   * planned switchover promises: every write acknowledged so far is on {@code to}, the target was
   * promoted only once it had executed the old primary's final position, and {@code from} is an
   * online replica of {@code to}. Records the client-observed write pause.
   */
  private static void awaitSwitchedOver(HaEnvironment env, Writer writer, long t0, long epoch, String from, String to)
      throws Exception {
    await().atMost(SETTLE).pollInterval(Duration.ofMillis(50)).until(() -> {
      var r = env.api().get("/v1/clusters/orders?stale=true");
      return r.status() == 200 && r.body().path("epoch").asLong() == epoch && r.body().path("primary").asText().equals(to)
          && !r.body().path("workflow").isObject();
    });
    long completedAt = System.nanoTime();
    await().atMost(SETTLE).until(() -> writer.acks().stream().filter(a -> a.atNanos() > t0 && a.epoch() == epoch).count() > 50);
    Duration pause = writer.longestGapAfter(t0);

    // The writer keeps running: take the acknowledgements first, then read the rows, so every ack
    // checked was given before the read.
    List<Writer.Ack> acks = writer.acks();
    Set<Long> onNew = Probes.rows(env.appEndpoint(to));
    Set<Long> lost = acks.stream().map(Writer.Ack::id).filter(id -> !onNew.contains(id)).collect(Collectors.toSet());
    assertThat(lost).as("acknowledged writes missing on " + to + " after the switchover to epoch " + epoch).isEmpty();

    JsonNode history = env.api().get("/v1/clusters/orders/history").body().get("history");
    JsonNode last = history.get(history.size() - 1);
    assertThat(last.get("epoch").asLong()).isEqualTo(epoch);
    assertThat(last.get("primary").asText()).isEqualTo(to);
    assertThat(last.get("reason").asText()).startsWith("switchover: ");
    assertThat(last.get("lostGtids").asText()).isEmpty();

    // The leader promoted the target only on CANDIDATE_SAFE: it had executed the fenced primary's final position.
    String finalPosition = null;
    for (String id : env.controllers().memberIds()) {
      Matcher m = FINAL_POSITION.matcher(Files.readString(env.controllers().logOf(id)));
      while (m.find()) {
        if (m.group(1).equals(to)) finalPosition = m.group(2);
      }
    }
    assertThat(finalPosition).as("a CANDIDATE_SAFE decision naming " + to + " and the old primary's final position").isNotNull();
    assertThat(Fixtures.anyLogContains(env.controllers(), "FENCE_CONFIRMED_BY_AGENT")).isTrue();

    // Fenced before the target caught up, so the old primary has nothing the new one lacks: it rejoins.
    await().atMost(SETTLE).until(() -> !Probes.node(env, from).get("needsCheck").asBoolean());
    assertThat(Probes.node(env, from).get("state").asText()).isEqualTo("online");
    Probes.awaitReplicatingFrom(env, from, to);

    Fixtures.record("switchover " + from + "->" + to + " (epoch " + epoch + "): write pause " + pause.toMillis()
        + " ms (client-observed), workflow complete " + (completedAt - t0) / 1_000_000 + " ms after the request, final position "
        + finalPosition + ", acks so far " + acks.size() + ", lost 0, indeterminate " + writer.indeterminate());
  }



  record Run(int exitCode, String out, String err) {}

  /** {@code deneb ctl ...} in this JVM, as {@code main} builds it, with what it printed. */
  private static Run ctl(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = Deneb.newCommandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of("ctl"));
    all.addAll(List.of(args));
    int exit = commandLine.execute(all.toArray(String[]::new));
    return new Run(exit, out.toString(), err.toString());
  }
}

package dev.deneb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.sandbox.Ports;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** The command tree as {@code main} builds it: exit codes and what reaches stdout and stderr. */
class DenebCommandLineTest {

  /** What one run printed and returned. */
  record Run(int exitCode, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine commandLine = Deneb.newCommandLine();
    commandLine.setOut(new PrintWriter(out, true));
    commandLine.setErr(new PrintWriter(err, true));
    int exitCode = commandLine.execute(args);
    return new Run(exitCode, out.toString(), err.toString());
  }

  @Test
  void jepsenNamesABadNemesisOrDurabilityBeforeStartingAnything() {
    Run nemesis = run("jepsen", "--nemesis", "kill-mysqld,nuke");
    assertThat(nemesis.exitCode()).isEqualTo(1);
    assertThat(nemesis.err()).contains("--nemesis").contains("'nuke'").contains("pause-minority");

    Run durability = run("jepsen", "--durability", "paranoid");
    assertThat(durability.exitCode()).isEqualTo(1);
    assertThat(durability.err()).contains("--durability").contains("'paranoid'");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "no-such-command",
      "ctl",
      "ctl no-such-subcommand",
      "ctl create",
      "ctl create orders --lease-ttl 3x",
      "ctl create orders --cooldown 5",
      "ctl create orders --durability paranoid",
      "ctl add-node orders db1 127.0.0.1",
      "ctl add-node orders db1 127.0.0.1:3306 --promotion-rule always",
      "ctl bootstrap orders",
      "ctl primary orders --wait 30s",
      "ctl primary orders --after 3",
      "ctl switchover",
      "ctl explain",
      "ctl -o yaml status",
      "ctl --endpoints ftp://x:1 status",
      "ctl --endpoints 127.0.0.1 status",
      "bench",
      "demo --keep-running-seconds soon",
      "jepsen --time soon",
      "jepsen --seed x",
      "controller"
  })
  void usageErrorsExitWith2(String args) {
    Run run = run(args.isEmpty() ? new String[0] : args.split(" "));

    assertThat(run.exitCode()).as(run.err()).isEqualTo(2);
    assertThat(run.err()).isNotBlank();
    assertThat(run.out()).isEmpty();
  }

  @Test
  void aBadValueIsNamedWithItsOption() {
    Run run = run("ctl", "create", "orders", "--lease-ttl", "3x");

    assertThat(run.err()).startsWith("Invalid value for option '--lease-ttl': '3x' is not a duration");
  }

  @Test
  void noReachableControllerIsOneLineNamingTheEndpointsAndTheFix() {
    String endpoint = "http://127.0.0.1:" + Ports.freePort(); // nothing listens there

    Run run = run("ctl", "--endpoints", endpoint, "status");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).isEqualTo("error: no controller reachable at " + endpoint
        + " (connection refused); set --endpoints or DENEB_ENDPOINTS\n");
  }

  @Test
  void writesTooSayNoControllerIsReachable() {
    String a = "http://127.0.0.1:" + Ports.freePort();
    String b = "http://127.0.0.1:" + Ports.freePort();

    Run run = run("ctl", "--endpoints", a + "," + b, "create", "orders");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).isEqualTo("error: no controller reachable at " + a + ", " + b
        + " (connection refused); set --endpoints or DENEB_ENDPOINTS\n");
  }

  @Test
  void explainWithoutALeaderSaysOnlyTheLeaderCanAnswer() {
    String endpoint = "http://127.0.0.1:" + Ports.freePort();

    Run run = run("ctl", "--endpoints", endpoint, "explain", "orders");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err()).isEqualTo("error: no controller leader known at " + endpoint + " (an election may be under way, "
        + "or no majority is up); only the leader can answer /v1/clusters/orders/explain\n");
  }

  @Test
  void verboseAddsTheStackTraceAndStillEndsWithTheReason() {
    String endpoint = "http://127.0.0.1:" + Ports.freePort();

    Run run = run("ctl", "status", "--endpoints", endpoint, "--verbose");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("\tat dev.deneb.cli.ctl.ControllerClient");
    assertThat(run.err().lines().reduce((first, second) -> second)).hasValueSatisfying(
        last -> assertThat(last).startsWith("error: no controller reachable at " + endpoint));
  }

  @Test
  void helpExitsWith0() {
    Run run = run("ctl", "--help");

    assertThat(run.exitCode()).isZero();
    assertThat(run.out()).contains("status", "create", "add-node", "remove-node", "bootstrap", "primary",
        "history", "pause", "resume", "members", "failover", "switchover", "abort", "explain");
  }

  @Test
  void everyModuleSubcommandIsWired() {
    assertThat(Deneb.newCommandLine().getSubcommands()).containsKeys("controller", "ctl", "demo", "bench");
  }
}

package dev.deneb.cli.ctl;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.cli.Deneb;
import dev.deneb.protocol.config.HostPort;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParseResult;

/** How arguments land in the commands, without calling any controller. */
class CtlArgumentsTest {

  private static ParseResult parse(String... args) {
    return Deneb.newCommandLine().parseArgs(args);
  }

  /** The innermost command object of a parse. */
  @SuppressWarnings("unchecked")
  private static <T> T leaf(ParseResult parsed) {
    ParseResult p = parsed;
    while (p.hasSubcommand()) {
      p = p.subcommand();
    }
    return (T) p.commandSpec().userObject();
  }

  @Test
  void ctlOptionsWorkBeforeAndAfterTheSubcommand() {
    StatusCommand before = leaf(parse("ctl", "-o", "json", "--endpoints", "http://a:1,b:2", "status"));
    StatusCommand after = leaf(parse("ctl", "status", "orders", "-o", "JSON", "--endpoints", "http://a:1,b:2"));

    for (StatusCommand status : List.of(before, after)) {
      assertThat(status.ctl.output).isEqualTo(OutputFormat.JSON);
      assertThat(status.ctl.endpoints).containsExactly(URI.create("http://a:1"), URI.create("http://b:2"));
    }
    assertThat(after.cluster).isEqualTo("orders");
  }

  @Test
  void outputDefaultsToTable() {
    StatusCommand status = leaf(parse("ctl", "status"));

    assertThat(status.ctl.output).isEqualTo(OutputFormat.TABLE);
    assertThat(status.ctl.endpoints).isNull();
  }

  @Test
  void createTakesDurationsAndDurability() {
    CreateCommand create = leaf(parse("ctl", "create", "orders", "--durability", "semi-sync",
        "--lease-ttl", "3s", "--cooldown", "5m", "--no-auto-failover", "--no-failsafe"));

    assertThat(create.name).isEqualTo("orders");
    assertThat(create.durability).isEqualTo(Durability.SEMI_SYNC);
    assertThat(create.leaseTtl).isEqualTo(Duration.ofSeconds(3));
    assertThat(create.cooldown).isEqualTo(Duration.ofMinutes(5));
    assertThat(create.noAutoFailover).isTrue();
    assertThat(create.noFailsafe).isTrue();
  }

  @Test
  void createLeavesUnsetSettingsToTheController() {
    CreateCommand create = leaf(parse("ctl", "create", "orders"));

    assertThat(create.durability).isNull();
    assertThat(create.leaseTtl).isNull();
    assertThat(create.cooldown).isNull();
    assertThat(create.noAutoFailover).isFalse();
  }

  @Test
  void addNodeTakesHostPortAndAPromotionRuleAsTheApiSpellsIt() {
    AddNodeCommand add = leaf(parse("ctl", "add-node", "orders", "db1", "127.0.0.1:3307", "--promotion-rule", "must_not"));

    assertThat(add.address).isEqualTo(new HostPort("127.0.0.1", 3307));
    assertThat(add.promotionRule.wire()).isEqualTo("must_not");
  }

  @Test
  void primaryLongPollNeedsBothWaitAndAfter() {
    PrimaryCommand primary = leaf(parse("ctl", "primary", "orders", "--stale", "--wait", "500ms", "--after", "7"));

    assertThat(primary.stale).isTrue();
    assertThat(primary.longPoll.wait).isEqualTo(Duration.ofMillis(500));
    assertThat(primary.longPoll.after).isEqualTo(7);
  }

  @Test
  void bootstrapNamesThePrimary() {
    BootstrapCommand bootstrap = leaf(parse("ctl", "bootstrap", "orders", "--primary", "db1"));

    assertThat(bootstrap.primary).isEqualTo("db1");
  }

  @Test
  void switchoverTakesAnOptionalTargetAndReason() {
    SwitchoverCommand named = leaf(parse("ctl", "switchover", "orders", "--to", "db2", "--reason", "kernel upgrade"));
    SwitchoverCommand chosen = leaf(parse("ctl", "switchover", "orders"));

    assertThat(named.cluster).isEqualTo("orders");
    assertThat(named.to).isEqualTo("db2");
    assertThat(named.reason).isEqualTo("kernel upgrade");
    assertThat(chosen.to).isNull();
    assertThat(chosen.reason).isNull();
  }

  @Test
  void explainNamesTheCluster() {
    ExplainCommand explain = leaf(parse("ctl", "explain", "orders", "-o", "json"));

    assertThat(explain.cluster).isEqualTo("orders");
    assertThat(explain.ctl.output).isEqualTo(OutputFormat.JSON);
  }

  @Test
  void aMissingSubcommandIsAUsageError() {
    CommandLine commandLine = Deneb.newCommandLine();
    commandLine.setErr(new java.io.PrintWriter(java.io.Writer.nullWriter()));

    assertThat(commandLine.execute("ctl")).isEqualTo(2);
  }
}

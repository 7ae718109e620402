package dev.deneb.jepsen.history;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTimeoutException;
import org.junit.jupiter.api.Test;

class OutcomesTest {

  @Test
  void aConnectionErrorAfterSendingIsInfoNeverFail() {
    assertThat(Outcomes.classify(new SQLNonTransientConnectionException("Connection reset", "08000"), true))
        .isEqualTo(Outcomes.ErrorKind.INDETERMINATE);
    assertThat(Outcomes.classify(new SQLTimeoutException("read timed out"), true))
        .isEqualTo(Outcomes.ErrorKind.INDETERMINATE);
    assertThat(Outcomes.classify(new SQLException("Connection was killed", "70100", 1927), true))
        .isEqualTo(Outcomes.ErrorKind.INDETERMINATE);
    assertThat(Outcomes.classify(new IOException("broken pipe"), true))
        .isEqualTo(Outcomes.ErrorKind.INDETERMINATE);
    assertThat(Outcomes.typeFor(Outcomes.ErrorKind.INDETERMINATE)).isEqualTo(OpType.INFO);
  }

  @Test
  void theSameErrorBeforeSendingIsFail() {
    assertThat(Outcomes.classify(new SQLNonTransientConnectionException("refused", "08001",
        0, new ConnectException("Connection refused")), false)).isEqualTo(Outcomes.ErrorKind.NOT_SENT);
    assertThat(Outcomes.typeFor(Outcomes.ErrorKind.NOT_SENT)).isEqualTo(OpType.FAIL);
  }

  @Test
  void aServerRefusalIsFail() {
    SQLException readOnly = new SQLException("running with the --read-only option", "HY000", 1290);

    assertThat(Outcomes.classify(readOnly, true)).isEqualTo(Outcomes.ErrorKind.REJECTED);
    assertThat(Outcomes.classify(new RuntimeException("wrapped", readOnly), true)).isEqualTo(Outcomes.ErrorKind.REJECTED);
  }

  @Test
  void theRecorderAppliesTheRule() {
    Recorder recorder = new Recorder(() -> 42);
    Op sent = recorder.invoke(ProcessId.client(0), "write", "a", "db1", 1L);

    Op done = recorder.error(sent, new SQLNonTransientConnectionException("Connection reset", "08S01"), true);

    assertThat(done.type()).isEqualTo(OpType.INFO);
    assertThat(done.error()).contains("Connection reset");
    assertThat(done.node()).isEqualTo("db1");
  }
}

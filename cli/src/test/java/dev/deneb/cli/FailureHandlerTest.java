package dev.deneb.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class FailureHandlerTest {

  @Test
  void anExpectedFailureIsItsMessageAlone() {
    assertThat(FailureHandler.oneLine(new CliException("cluster 'orders' already exists"))).isEqualTo("cluster 'orders' already exists");
  }

  @Test
  void anUnexpectedOneNamesItsType() {
    assertThat(FailureHandler.oneLine(new IOException("disk full"))).isEqualTo("IOException: disk full");
    assertThat(FailureHandler.oneLine(new NullPointerException())).isEqualTo("NullPointerException");
  }

  @Test
  void aMultiLineMessageBecomesOneLine() {
    assertThat(FailureHandler.oneLine(new CliException("first\n  second\r\nthird\n"))).isEqualTo("first second third");
  }
}

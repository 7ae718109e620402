package dev.deneb.protocol.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class HostPortTest {

  @Test
  void parsesNamesIpv4AndBracketedIpv6() {
    assertThat(HostPort.parse("127.0.0.1:3307")).isEqualTo(new HostPort("127.0.0.1", 3307));
    assertThat(HostPort.parse("db1.example.com:3306")).isEqualTo(new HostPort("db1.example.com", 3306));
    assertThat(HostPort.parse("[::1]:3306")).isEqualTo(new HostPort("::1", 3306));
  }

  @Test
  void printsAsItIsWritten() {
    assertThat(HostPort.parse("[::1]:3306")).hasToString("[::1]:3306");
    assertThat(HostPort.parse("10.0.0.5:3306")).hasToString("10.0.0.5:3306");
  }

  @Test
  void namesWhatIsWrong() {
    assertThatThrownBy(() -> HostPort.parse("127.0.0.1")).hasMessage("'127.0.0.1' is not host:port");
    assertThatThrownBy(() -> HostPort.parse(":3306")).hasMessage("':3306' is not host:port");
    assertThatThrownBy(() -> HostPort.parse("db1:")).hasMessage("'db1:' is not host:port");
    assertThatThrownBy(() -> HostPort.parse("db1:mysql")).hasMessage("'db1:mysql' is not host:port: 'mysql' is not a port number");
    assertThatThrownBy(() -> HostPort.parse("db1:0")).hasMessage("'db1:0' is not host:port: port 0 is not between 1 and 65535");
    assertThatThrownBy(() -> HostPort.parse("db1:65536")).hasMessage("'db1:65536' is not host:port: port 65536 is not between 1 and 65535");
    assertThatThrownBy(() -> HostPort.parse("::1:3306")).hasMessageContaining("write an IPv6 host in brackets");
  }
}

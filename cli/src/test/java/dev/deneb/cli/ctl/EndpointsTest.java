package dev.deneb.cli.ctl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deneb.cli.CliException;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EndpointsTest {

  @Test
  void acceptsUrlsAndBareHostPorts() {
    assertThat(Endpoints.parse("http://127.0.0.1:8861")).isEqualTo(URI.create("http://127.0.0.1:8861"));
    assertThat(Endpoints.parse("http://127.0.0.1:8861/")).isEqualTo(URI.create("http://127.0.0.1:8861"));
    assertThat(Endpoints.parse(" ctl1.example.com:8861 ")).isEqualTo(URI.create("http://ctl1.example.com:8861"));
    assertThat(Endpoints.parse("https://[::1]:8861")).isEqualTo(URI.create("https://[::1]:8861"));
  }

  @Test
  void rejectsWhatCannotBeAnEndpoint() {
    for (String bad : List.of("127.0.0.1", "ftp://h:1", "http://h:1/v1", "http://h:1?x=1", "http:// h:1")) {
      assertThatThrownBy(() -> Endpoints.parse(bad))
          .as(bad)
          .hasMessage("'" + bad + "' is not an endpoint such as http://127.0.0.1:8861");
    }
  }

  @Test
  void theOptionWinsThenTheEnvironmentThenTheLocalDefault() {
    List<URI> option = List.of(URI.create("http://opt:1"));
    Map<String, String> env = Map.of(Endpoints.ENV, "env1:2, http://env2:3");

    assertThat(Endpoints.resolve(option, env)).isEqualTo(option);
    assertThat(Endpoints.resolve(null, env)).containsExactly(URI.create("http://env1:2"), URI.create("http://env2:3"));
    assertThat(Endpoints.resolve(null, Map.of())).containsExactly(
        URI.create("http://127.0.0.1:8861"), URI.create("http://127.0.0.1:8862"), URI.create("http://127.0.0.1:8863"));
  }

  @Test
  void aBadEnvironmentValueNamesTheVariable() {
    assertThatThrownBy(() -> Endpoints.resolve(null, Map.of(Endpoints.ENV, "nonsense")))
        .isInstanceOf(CliException.class)
        .hasMessage("DENEB_ENDPOINTS: 'nonsense' is not an endpoint such as http://127.0.0.1:8861");
  }
}

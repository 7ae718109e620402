package dev.deneb.controller.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.deneb.protocol.config.HostPort;
import dev.deneb.protocol.config.YamlObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class HaproxySettingsTest {

  @Test
  void readsAnEntry() throws Exception {
    HaproxySettings s = parse("runtimeApi: \"127.0.0.1:9999\"\nbackend: mysql_primary\ncluster: shop\n"
        + "servers: { db1: web-db1, db2: web-db2 }\ntimeout: 3s\n");

    assertThat(s.runtimeApi()).isEqualTo(new RuntimeApiAddress.Tcp(new HostPort("127.0.0.1", 9999)));
    assertThat(s.backend()).isEqualTo("mysql_primary");
    assertThat(s.cluster()).isEqualTo("shop");
    assertThat(s.servers()).isEqualTo(Map.of("db1", "web-db1", "db2", "web-db2"));
    assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(s.serverOf("db1")).isEqualTo("web-db1");
    assertThat(s.serverOf("db3")).isEqualTo("db3");
  }

  @Test
  void aUnixSocketAndDefaults() throws Exception {
    HaproxySettings s = parse("runtimeApi: unix:/run/haproxy/admin.sock\nbackend: be\ncluster: shop\n");

    assertThat(s.runtimeApi()).isEqualTo(new RuntimeApiAddress.Unix(Path.of("/run/haproxy/admin.sock")));
    assertThat(s.servers()).isEmpty();
    assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void errorsNameTheField() {
    assertThatThrownBy(() -> parse("backend: be\ncluster: shop\n")).hasMessageStartingWith("haproxy[0].runtimeApi: is required");
    assertThatThrownBy(() -> parse("runtimeApi: localhost\nbackend: be\ncluster: shop\n"))
        .hasMessageStartingWith("haproxy[0].runtimeApi: 'localhost' is not host:port")
        .hasMessageContaining("unix:/path");
    assertThatThrownBy(() -> parse("runtimeApi: unix:admin.sock\nbackend: be\ncluster: shop\n"))
        .hasMessageContaining("absolute path");
    assertThatThrownBy(() -> parse("runtimeApi: 127.0.0.1:9999\nbackend: be\n")).hasMessageStartingWith("haproxy[0].cluster: is required");
    assertThatThrownBy(() -> parse("runtimeApi: 127.0.0.1:9999\nbackend: be\ncluster: shop\nservers: { db1: \"db 1;quit\" }\n"))
        .hasMessageStartingWith("haproxy[0].servers.db1: 'db 1;quit' is not a usable HAProxy name");
    assertThatThrownBy(() -> parse("runtimeApi: 127.0.0.1:9999\nbackend: be\ncluster: shop\ntimeout: 10ms\n"))
        .hasMessageStartingWith("haproxy[0].timeout: must be at least 100ms");
    assertThatThrownBy(() -> parse("runtimeApi: 127.0.0.1:9999\nbackend: be\ncluster: shop\nserver: {}\n"))
        .hasMessageStartingWith("haproxy[0].server: is not a known field");
  }

  private static HaproxySettings parse(String yaml) throws Exception {
    return HaproxySettings.parse(new YamlObject(new YAMLMapper().readTree(yaml), "haproxy[0]", HaproxySettings.FIELDS));
  }
}

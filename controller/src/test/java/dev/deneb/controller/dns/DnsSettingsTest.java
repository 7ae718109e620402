package dev.deneb.controller.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.deneb.protocol.config.HostPort;
import dev.deneb.protocol.config.YamlObject;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Name;
import org.xbill.DNS.TSIG;

class DnsSettingsTest {
  static YamlObject yaml(String text, java.util.Set<String> fields) throws Exception {
    return new YamlObject(new YAMLMapper().readTree(text), "dns", fields);
  }

  @Test
  void defaultsAndNormalisedZone() throws Exception {
    DnsSettings s = DnsSettings.parse(yaml("zone: deneb.local", DnsSettings.FIELDS));
    assertThat(s).isEqualTo(new DnsSettings(new HostPort("127.0.0.1", 8053), Name.fromConstantString("deneb.local."), 1));
    assertThat(DnsSettings.parse(yaml("{listen: '[::1]:53', zone: 'db.corp.', ttl: 5s}", DnsSettings.FIELDS)))
        .isEqualTo(new DnsSettings(new HostPort("::1", 53), Name.fromConstantString("db.corp."), 5));
  }

  @Test
  void errorsNameTheField() {
    assertThatThrownBy(() -> DnsSettings.parse(yaml("zone: 'bad_zone!.local'", DnsSettings.FIELDS)))
        .hasMessageStartingWith("dns.zone: ").hasMessageContaining("bad_zone!");
    assertThatThrownBy(() -> DnsSettings.parse(yaml("zone: '.'", DnsSettings.FIELDS))).hasMessageContaining("root");
    assertThatThrownBy(() -> DnsSettings.parse(yaml("ttl: 1500ms", DnsSettings.FIELDS)))
        .hasMessageStartingWith("dns.ttl: ").hasMessageContaining("whole seconds");
    assertThatThrownBy(() -> DnsSettings.parse(yaml("ttl: 2h", DnsSettings.FIELDS))).hasMessageStartingWith("dns.ttl: ");
    assertThatThrownBy(() -> DnsSettings.parse(yaml("listen: nowhere", DnsSettings.FIELDS))).hasMessageStartingWith("dns.listen: ");
    assertThatThrownBy(() -> yaml("zonee: x", DnsSettings.FIELDS)).hasMessageContaining("dns.zonee: is not a known field");
  }

  @Test
  void rfc2136SettingsWithDefaults() throws Exception {
    Rfc2136Settings s = Rfc2136Settings.parse(yaml(
        "{server: '10.0.0.53:53', zone: db.example, tsigKeyName: deneb-update, tsigSecretFile: /etc/deneb/tsig}",
        Rfc2136Settings.FIELDS));
    assertThat(s).isEqualTo(new Rfc2136Settings(new HostPort("10.0.0.53", 53), Name.fromConstantString("db.example."),
        Name.fromConstantString("deneb-update."), TSIG.HMAC_SHA256, Path.of("/etc/deneb/tsig"), Duration.ofSeconds(2), 1));
  }

  @Test
  void rfc2136SettingsErrorsNameTheField() {
    assertThatThrownBy(() -> Rfc2136Settings.parse(yaml("{zone: db.example}", Rfc2136Settings.FIELDS)))
        .hasMessageStartingWith("dns.server: is required");
    assertThatThrownBy(() -> Rfc2136Settings.parse(yaml(
        "{server: 'h:53', zone: db.example, tsigKeyName: k, tsigSecretFile: f, tsigAlgorithm: hmac-md4}", Rfc2136Settings.FIELDS)))
        .hasMessageStartingWith("dns.tsigAlgorithm: ").hasMessageContaining("hmac-sha256");
    assertThatThrownBy(() -> Rfc2136Settings.parse(yaml(
        "{server: 'h:53', zone: db.example, tsigKeyName: k}", Rfc2136Settings.FIELDS)))
        .hasMessageStartingWith("dns.tsigSecretFile: is required");
  }
}

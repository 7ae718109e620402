package dev.deneb.controller.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.deneb.controller.discovery.DiscoveryException;
import dev.deneb.controller.discovery.Publication;
import dev.deneb.controller.discovery.Publication.Endpoint;
import dev.deneb.protocol.config.HostPort;
import dev.deneb.sandbox.NamedServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.TSIG;
import org.xbill.DNS.Type;

/** The backend against a real BIND named: epoch-fenced, idempotent, TSIG-checked updates. */
class Rfc2136BackendTest {
  @TempDir static Path dir;
  static NamedServer named;

  @BeforeAll
  static void startNamed() throws IOException {
    named = NamedServer.start(dir.resolve("named"), "db.example.");
  }

  @AfterAll
  static void stopNamed() {
    if (named != null) named.close();
  }

  static Rfc2136Settings settings(Path secretFile) {
    return new Rfc2136Settings(new HostPort(named.host(), named.port()), Name.fromConstantString(named.zone()),
        Name.fromConstantString(named.keyName()), TSIG.HMAC_SHA256, secretFile, Duration.ofSeconds(2), 1);
  }

  static Publication publication(String cluster, long epoch, long previous, String node, String host) {
    return new Publication(cluster, epoch, previous, new Endpoint(node, host, 3306), Optional.empty(), List.of());
  }

  static List<String> ask(String name, int type) throws IOException {
    SimpleResolver r = new SimpleResolver(new InetSocketAddress(named.host(), named.port()));
    r.setTimeout(Duration.ofSeconds(5));
    Message m = r.send(Message.newQuery(org.xbill.DNS.Record.newRecord(Name.fromConstantString(name), type, org.xbill.DNS.DClass.IN)));
    return DnsAnswersTest.answers(m);
  }

  @Test
  void publishesFencedByEpochIdempotentlyAndRefusesAStaleLeader() throws Exception {
    Rfc2136Backend backend = new Rfc2136Backend(settings(named.secretFile()));
    backend.publish(publication("shop", 1, 0, "n1", "10.0.0.1"));
    assertThat(ask("shop.db.example.", Type.A)).containsExactly("A 10.0.0.1");
    assertThat(ask("_epoch.shop.db.example.", Type.TXT)).containsExactly("TXT \"epoch=1\"");

    backend.publish(publication("shop", 2, 1, "n2", "10.0.0.2"));
    assertThat(ask("shop.db.example.", Type.A)).containsExactly("A 10.0.0.2");
    assertThat(ask("_epoch.shop.db.example.", Type.TXT)).containsExactly("TXT \"epoch=2\"");

    // A new leader repeats the step it finds in the log: no harm, no error.
    backend.publish(publication("shop", 2, 1, "n2", "10.0.0.2"));
    assertThat(ask("shop.db.example.", Type.A)).containsExactly("A 10.0.0.2");

    backend.publish(publication("shop", 3, 2, "n3", "fd00::3"));
    assertThat(ask("shop.db.example.", Type.AAAA)).containsExactly("AAAA fd00:0:0:0:0:0:0:3");
    assertThat(ask("shop.db.example.", Type.A)).isEmpty();

    // A deposed leader's late update for epoch 2: named itself refuses it (prerequisite NXRRSET).
    assertThatThrownBy(() -> backend.publish(publication("shop", 2, 1, "n2", "10.0.0.2")))
        .isInstanceOfSatisfying(DiscoveryException.class, e -> assertThat(e.refused()).isTrue())
        .hasMessageContaining("epoch 2").hasMessageContaining("epoch 3");
    assertThat(ask("shop.db.example.", Type.AAAA)).containsExactly("AAAA fd00:0:0:0:0:0:0:3");
    assertThat(ask("_epoch.shop.db.example.", Type.TXT)).containsExactly("TXT \"epoch=3\"");
  }

  @Test
  void aHostNameBecomesACname() throws Exception {
    Rfc2136Backend backend = new Rfc2136Backend(settings(named.secretFile()));
    backend.publish(publication("blog", 1, 0, "n1", "db1.example.com"));
    assertThat(ask("blog.db.example.", Type.CNAME)).containsExactly("CNAME db1.example.com.");
    backend.publish(publication("blog", 2, 1, "n2", "10.1.0.2"));
    assertThat(ask("blog.db.example.", Type.CNAME)).isEmpty();
    assertThat(ask("blog.db.example.", Type.A)).containsExactly("A 10.1.0.2");
  }

  @Test
  void firstPublicationIsRefusedWhenTheZoneAlreadyHasAnEpoch() throws Exception {
    Rfc2136Backend backend = new Rfc2136Backend(settings(named.secretFile()));
    backend.publish(publication("wiki", 5, 0, "n1", "10.2.0.1"));
    assertThatThrownBy(() -> backend.publish(publication("wiki", 1, 0, "n9", "10.2.0.9")))
        .isInstanceOfSatisfying(DiscoveryException.class, e -> assertThat(e.refused()).isTrue());
    assertThat(ask("wiki.db.example.", Type.A)).containsExactly("A 10.2.0.1");
  }

  @Test
  void aWrongSecretIsAnErrorNamingTheTsigFailureNotARefusal(@TempDir Path other) throws Exception {
    Path wrong = Files.writeString(other.resolve("wrong.secret"), Base64.getEncoder().encodeToString(new byte[32]));
    Rfc2136Backend backend = new Rfc2136Backend(settings(wrong));
    assertThatThrownBy(() -> backend.publish(publication("shop2", 1, 0, "n1", "10.0.0.1")))
        .isInstanceOfSatisfying(DiscoveryException.class, e -> assertThat(e.refused()).isFalse())
        .hasMessageMatching("(?s).*(BADSIG|NOTAUTH).*")
        .hasMessageContaining(named.host() + ":" + named.port());
    assertThat(ask("shop2.db.example.", Type.A)).isEmpty();
  }

  @Test
  void noServerIsATimeoutNamingIt() throws Exception {
    Rfc2136Settings s = settings(named.secretFile());
    // A port nobody listens on: TCP connect is refused at once, which is the same "no answer" failure.
    Rfc2136Settings nowhere = new Rfc2136Settings(new HostPort("127.0.0.1", dev.deneb.sandbox.Ports.freePort()), s.zone(),
        s.tsigKeyName(), s.tsigAlgorithm(), s.tsigSecretFile(), Duration.ofMillis(500), 1);
    assertThatThrownBy(() -> new Rfc2136Backend(nowhere).publish(publication("shop", 1, 0, "n1", "10.0.0.1")))
        .isInstanceOfSatisfying(DiscoveryException.class, e -> assertThat(e.refused()).isFalse())
        .hasMessageContaining(nowhere.server().toString());
  }

  @Test
  void aMissingSecretFileIsNamed() {
    Path missing = dir.resolve("nope.secret");
    assertThatThrownBy(() -> new Rfc2136Backend(settings(missing)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(missing.toString());
  }
}

package dev.deneb.controller.dns;

import static dev.deneb.controller.dns.States.cluster;
import static dev.deneb.controller.dns.States.state;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The server over real sockets on 127.0.0.1, queried with dnsjava's own resolver. */
class BuiltInDnsServerTest {
  final AtomicReference<DiscoveryView> view = new AtomicReference<>(
      DiscoveryView.from(state(cluster("shop", 3, "n2", "10.0.0.1", "10.0.0.2"))));
  BuiltInDnsServer server;

  @BeforeEach
  void start() throws Exception {
    server = new BuiltInDnsServer("127.0.0.1", 0, DnsAnswersTest.SETTINGS, view::get);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  SimpleResolver resolver(boolean tcp) {
    SimpleResolver r = new SimpleResolver(new InetSocketAddress("127.0.0.1", server.port()));
    r.setTCP(tcp);
    r.setTimeout(Duration.ofSeconds(5));
    return r;
  }

  static List<String> answers(Message m) {
    return DnsAnswersTest.answers(m);
  }

  @Test
  void answersOverUdpAndTcp() throws Exception {
    assertThat(server.port()).isPositive();
    for (boolean tcp : new boolean[] {false, true}) {
      Message m = resolver(tcp).send(DnsAnswersTest.ask("shop.deneb.local.", Type.A));
      assertThat(m.getRcode()).as("tcp=" + tcp).isEqualTo(Rcode.NOERROR);
      assertThat(answers(m)).as("tcp=" + tcp).containsExactly("A 10.0.0.2");
    }
  }

  @Test
  void severalQueriesOnOneTcpConnection() throws Exception {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.port())) {
      s.setSoTimeout(5000);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      DataInputStream in = new DataInputStream(s.getInputStream());
      for (String name : new String[] {"shop.deneb.local.", "nosuch.deneb.local.", "shop.deneb.local."}) {
        byte[] q = DnsAnswersTest.ask(name, Type.A).toWire();
        out.writeShort(q.length);
        out.write(q);
      }
      out.flush();
      int[] rcodes = new int[3];
      for (int i = 0; i < 3; i++) {
        byte[] r = new byte[in.readUnsignedShort()];
        in.readFully(r);
        rcodes[i] = new Message(r).getRcode();
      }
      assertThat(rcodes).containsExactly(Rcode.NOERROR, Rcode.NXDOMAIN, Rcode.NOERROR);
    }
  }

  @Test
  void garbageGetsFormerrOrNothingAndTheServerKeepsAnswering() throws Exception {
    try (DatagramSocket udp = new DatagramSocket()) {
      udp.setSoTimeout(5000);
      InetSocketAddress to = new InetSocketAddress("127.0.0.1", server.port());
      // Too short for a header: dropped.
      udp.send(new DatagramPacket(new byte[] {1, 2, 3}, 3, to));
      // A header (id 0x1234, a query) claiming a question that is not there: FORMERR.
      byte[] bad = {0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, (byte) 0xff};
      udp.send(new DatagramPacket(bad, bad.length, to));
      DatagramPacket reply = new DatagramPacket(new byte[512], 512);
      udp.receive(reply);
      Message formerr = new Message(java.util.Arrays.copyOf(reply.getData(), reply.getLength()));
      assertThat(formerr.getHeader().getID()).isEqualTo(0x1234);
      assertThat(formerr.getRcode()).isEqualTo(Rcode.FORMERR);
    }
    Message m = resolver(false).send(DnsAnswersTest.ask("shop.deneb.local.", Type.A));
    assertThat(answers(m)).containsExactly("A 10.0.0.2");
  }

  @Test
  void aNewViewIsSeenOnTheNextQuery() throws Exception {
    SimpleResolver udp = resolver(false);
    assertThat(answers(udp.send(DnsAnswersTest.ask("shop.deneb.local.", Type.TXT)))).containsExactly("TXT \"epoch=3 node=n2\"");
    view.set(DiscoveryView.from(state(cluster("shop", 4, "n1", "10.0.0.1", "10.0.0.2"))));
    assertThat(answers(udp.send(DnsAnswersTest.ask("shop.deneb.local.", Type.TXT)))).containsExactly("TXT \"epoch=4 node=n1\"");
    assertThat(answers(udp.send(DnsAnswersTest.ask("shop.deneb.local.", Type.A)))).containsExactly("A 10.0.0.1");
  }

  @Test
  void ednsQueriesGetAnOptRecordBack() throws Exception {
    Message m = resolver(false).send(DnsAnswersTest.ask("shop.deneb.local.", Type.A)); // SimpleResolver sends EDNS
    assertThat(m.getOPT()).isNotNull();
    assertThat(m.getSection(Section.ANSWER)).hasSize(1);
  }
}

package dev.deneb.controller.dns;

import static dev.deneb.controller.dns.States.atStep;
import static dev.deneb.controller.dns.States.cluster;
import static dev.deneb.controller.dns.States.state;
import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.protocol.WorkflowStep;
import dev.deneb.protocol.config.HostPort;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TXTRecord;
import org.xbill.DNS.Type;

class DnsAnswersTest {
  static final DnsSettings SETTINGS = new DnsSettings(new HostPort("127.0.0.1", 8053), Name.fromConstantString("deneb.local."), 1);

  final DiscoveryView view = DiscoveryView.from(state(
      cluster("shop", 3, "n2", "10.0.0.1", "10.0.0.2"),
      cluster("six", 2, "n1", "fd00::7"),
      cluster("named", 4, "n1", "db1.example.com"),
      cluster("fresh", 0, "", "10.0.0.9"),
      atStep(cluster("moving", 7, "n2", "10.0.1.1", "10.0.1.2"), WorkflowStep.CANDIDATE_CHOSEN)));

  static Message ask(String name, int type) {
    return Message.newQuery(Record.newRecord(Name.fromConstantString(name), type, DClass.IN));
  }

  Message answer(String name, int type) {
    return DnsAnswers.answer(ask(name, type), view, SETTINGS);
  }

  static List<String> answers(Message m) {
    return m.getSection(Section.ANSWER).stream().map(r -> Type.string(r.getType()) + " " + r.rdataToString()).toList();
  }

  static SOARecord authoritySoa(Message m) {
    List<Record> authority = m.getSection(Section.AUTHORITY);
    assertThat(authority).hasSize(1);
    return (SOARecord) authority.get(0);
  }

  @Test
  void aRecordOfAnIpv4Primary() {
    Message m = answer("shop.deneb.local.", Type.A);
    assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(m.getHeader().getFlag(Flags.AA)).isTrue();
    assertThat(m.getHeader().getFlag(Flags.QR)).isTrue();
    assertThat(answers(m)).containsExactly("A 10.0.0.2");
    assertThat(m.getSection(Section.ANSWER).get(0).getTTL()).isEqualTo(1);
  }

  @Test
  void namesAreCaseInsensitive() {
    assertThat(answers(answer("SHOP.Deneb.LOCAL.", Type.A))).containsExactly("A 10.0.0.2");
  }

  @Test
  void aaaaOfAnIpv6PrimaryAndNodataForA() {
    assertThat(answers(answer("six.deneb.local.", Type.AAAA))).containsExactly("AAAA fd00:0:0:0:0:0:0:7");
    Message a = answer("six.deneb.local.", Type.A);
    assertThat(a.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(a.getSection(Section.ANSWER)).isEmpty();
    assertThat(authoritySoa(a).getSerial()).isEqualTo(2);
  }

  @Test
  void ipv4PrimaryHasNoAaaa() {
    Message m = answer("shop.deneb.local.", Type.AAAA);
    assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(m.getSection(Section.ANSWER)).isEmpty();
    assertThat(authoritySoa(m).getName()).isEqualTo(Name.fromConstantString("shop.deneb.local."));
  }

  @Test
  void cnameWhenThePrimaryHostIsAName() {
    assertThat(answers(answer("named.deneb.local.", Type.A))).containsExactly("CNAME db1.example.com.");
    assertThat(answers(answer("named.deneb.local.", Type.AAAA))).containsExactly("CNAME db1.example.com.");
  }

  @Test
  void txtCarriesEpochAndNode() {
    Message m = answer("shop.deneb.local.", Type.TXT);
    assertThat(((TXTRecord) m.getSection(Section.ANSWER).get(0)).getStrings()).containsExactly("epoch=3 node=n2");
  }

  @Test
  void soaAtTheClusterApexHasTheEpochAsSerialAndTtlAsMinimum() {
    Message m = answer("shop.deneb.local.", Type.SOA);
    SOARecord soa = (SOARecord) m.getSection(Section.ANSWER).get(0);
    assertThat(soa.getSerial()).isEqualTo(3);
    assertThat(soa.getMinimum()).isEqualTo(1);
    assertThat(soa.getTTL()).isEqualTo(1);
  }

  @Test
  void candidateChosenIsNodataForAddressesYetTxtNamesTheCommittedEpoch() {
    Message a = answer("moving.deneb.local.", Type.A);
    assertThat(a.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(a.getSection(Section.ANSWER)).isEmpty();
    assertThat(authoritySoa(a).getSerial()).isEqualTo(7);
    assertThat(answers(answer("moving.deneb.local.", Type.TXT))).containsExactly("TXT \"epoch=7 node=n2\"");
  }

  @Test
  void epochZeroIsNodataForEverythingButSoa() {
    for (int type : new int[] {Type.A, Type.AAAA, Type.TXT}) {
      Message m = answer("fresh.deneb.local.", type);
      assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(m.getSection(Section.ANSWER)).isEmpty();
      assertThat(authoritySoa(m).getSerial()).isZero();
    }
  }

  @Test
  void unknownNameUnderTheZoneIsNxdomainWithTheZoneSoa() {
    Message m = answer("nosuch.deneb.local.", Type.A);
    assertThat(m.getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(m.getHeader().getFlag(Flags.AA)).isTrue();
    SOARecord soa = authoritySoa(m);
    assertThat(soa.getName()).isEqualTo(SETTINGS.zone());
    assertThat(soa.getSerial()).isEqualTo(view.zoneSerial()).isEqualTo(3 + 2 + 4 + 7);
  }

  @Test
  void nameBelowAClusterIsNxdomainWithTheClusterSoa() {
    Message m = answer("x.shop.deneb.local.", Type.A);
    assertThat(m.getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(authoritySoa(m).getName()).isEqualTo(Name.fromConstantString("shop.deneb.local."));
  }

  @Test
  void zoneApexAnswersSoaAndNodataOtherwise() {
    assertThat(answers(answer("deneb.local.", Type.SOA))).hasSize(1);
    Message a = answer("deneb.local.", Type.A);
    assertThat(a.getRcode()).isEqualTo(Rcode.NOERROR);
    assertThat(a.getSection(Section.ANSWER)).isEmpty();
    assertThat(authoritySoa(a).getName()).isEqualTo(SETTINGS.zone());
  }

  @Test
  void anyAndOtherTypesAreNodata() {
    for (int type : new int[] {Type.ANY, Type.MX, Type.NS}) {
      Message m = answer("shop.deneb.local.", type);
      assertThat(m.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(m.getSection(Section.ANSWER)).isEmpty();
      assertThat(m.getSection(Section.AUTHORITY)).hasSize(1);
    }
  }

  @Test
  void outsideTheZoneIsRefusedWithoutAa() {
    for (String name : new String[] {"example.com.", "local.", "shop.deneb.localx."}) {
      Message m = answer(name, Type.A);
      assertThat(m.getRcode()).as(name).isEqualTo(Rcode.REFUSED);
      assertThat(m.getHeader().getFlag(Flags.AA)).isFalse();
      assertThat(m.getSection(Section.ANSWER)).isEmpty();
    }
  }

  @Test
  void otherClassIsRefused() {
    Message q = Message.newQuery(Record.newRecord(Name.fromConstantString("shop.deneb.local."), Type.A, DClass.CH));
    assertThat(DnsAnswers.answer(q, view, SETTINGS).getRcode()).isEqualTo(Rcode.REFUSED);
  }

  @Test
  void notAQueryIsNotimp() {
    Message q = ask("shop.deneb.local.", Type.A);
    q.getHeader().setOpcode(Opcode.NOTIFY);
    Message m = DnsAnswers.answer(q, view, SETTINGS);
    assertThat(m.getRcode()).isEqualTo(Rcode.NOTIMP);
    assertThat(m.getHeader().getOpcode()).isEqualTo(Opcode.NOTIFY);
  }

  @Test
  void noQuestionIsFormerr() {
    Message q = new Message(42);
    Message m = DnsAnswers.answer(q, view, SETTINGS);
    assertThat(m.getRcode()).isEqualTo(Rcode.FORMERR);
    assertThat(m.getHeader().getID()).isEqualTo(42);
  }

  @Test
  void idAndQuestionAreEchoed() {
    Message q = ask("shop.deneb.local.", Type.A);
    Message m = DnsAnswers.answer(q, view, SETTINGS);
    assertThat(m.getHeader().getID()).isEqualTo(q.getHeader().getID());
    assertThat(m.getQuestion()).isEqualTo(q.getQuestion());
  }
}

package dev.deneb.sandbox.netns;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SubnetTest {

  @Test
  void theFirstCandidateIsTakenWhenNothingIsRouted() {
    String routes = "default via 192.0.2.1 dev eth0\n192.0.2.0/24 dev eth0 proto kernel scope link src 192.0.2.2\n"
        + "local 127.0.0.1 dev lo table local proto kernel scope host src 127.0.0.1\n";

    assertThat(Subnet.choose(1234, 0, routes)).contains(Subnet.candidate(1234, 0, 0));
  }

  @Test
  void aRoutedCandidateIsSkipped() {
    Subnet first = Subnet.candidate(1234, 0, 0);
    String routes = "10." + first.x() + ".0.0/16 dev vpn0\n"
        + "broadcast " + Subnet.candidate(1234, 0, 1).address(254) + " dev dn1-00br table local\n";

    Subnet chosen = Subnet.choose(1234, 0, routes).orElseThrow();

    assertThat(chosen).isNotEqualTo(first).isNotEqualTo(Subnet.candidate(1234, 0, 1)).isEqualTo(Subnet.candidate(1234, 0, 2));
  }

  @Test
  void aRouteOverTheWholeTenNetworkLeavesNoCandidate() {
    assertThat(Subnet.choose(1234, 0, "10.0.0.0/8 dev tun0\n")).isEmpty();
  }

  @Test
  void neighbouringPidsAndLabsStartApart() {
    assertThat(Subnet.candidate(1000, 0, 0)).isNotEqualTo(Subnet.candidate(1001, 0, 0)).isNotEqualTo(Subnet.candidate(1000, 1, 0));
    assertThat(Subnet.candidate(1000, 0, 0).network()).matches("10\\.(6[4-9]|[7-9]\\d|1[0-8]\\d|19[01])\\.\\d+\\.0/24");
  }
}

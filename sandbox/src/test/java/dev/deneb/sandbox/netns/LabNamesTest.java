package dev.deneb.sandbox.netns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class LabNamesTest {

  @Test
  void theLongestNameFitsALinuxInterfaceName() {
    LabNames names = new LabNames(4_194_304, LabNames.MAX_LAB);

    assertThat(names.hostVeth(LabNames.MAX_NAMESPACES - 1)).isEqualTo("dn4194304-zzv99").hasSize(LabNames.MAX_INTERFACE_NAME);
    assertThat(names.bridge()).hasSizeLessThanOrEqualTo(LabNames.MAX_INTERFACE_NAME);
  }

  @Test
  void namesCarryThePidAndAFixedWidthLabId() {
    LabNames names = new LabNames(48213, 1);

    assertThat(names.bridge()).isEqualTo("dn48213-01br");
    assertThat(names.namespace(2)).isEqualTo("dn48213-01n2");
    assertThat(LabNames.parse("dn48213-01v2")).contains(new LabNames.Owner(48213, 1));
    // Lab 1 does not own the objects of lab 0x1a ("1a"), although "dn48213-1" would have prefixed them.
    assertThat(names.owns("dn48213-1av0")).isFalse();
    assertThat(names.owns("dn48213-01v0")).isTrue();
  }

  @Test
  void namesOfOthersAreNotOurs() {
    assertThat(LabNames.parse("eth0")).isEqualTo(Optional.empty());
    assertThat(LabNames.parse("dn12-00brx")).isEmpty();
    assertThat(LabNames.parse("docker0")).isEmpty();
  }

  @Test
  void outOfRangeIsRefused() {
    assertThatThrownBy(() -> new LabNames(10_000_000, 0)).hasMessageContaining("15 bytes");
    assertThatThrownBy(() -> new LabNames(1, 0).namespace(100)).hasMessageContaining("0..99");
  }
}

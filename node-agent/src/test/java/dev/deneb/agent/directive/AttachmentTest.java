package dev.deneb.agent.directive;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AttachmentTest {
  @Test
  void aDetachOfAnEpochWhosePrimaryThisNodeAlreadyReplicatesFromIsLate() {
    Attachment a = new Attachment();
    assertThat(a.lateDetach(2)).as("never attached by an order: detach").isEmpty();
    a.attached(1);
    assertThat(a.lateDetach(2)).as("the failover to epoch 2 detaches from epoch 1's primary").isEmpty();
    a.attached(2);
    assertThat(a.lateDetach(2)).as("a copy of epoch 2's detach after its replicate").hasValueSatisfying(
        why -> assertThat(why).contains("epoch 2"));
    assertThat(a.lateDetach(1)).isPresent();
    a.attached(1); // an older replicate order never lowers it
    assertThat(a.lateDetach(2)).isPresent();
    assertThat(a.lateDetach(3)).as("the next failover detaches again").isEmpty();
  }
}

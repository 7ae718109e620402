package dev.deneb.controller.lease;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which doubted leases the leader asks a member about when there are more than one poll carries. */
class PeerLeasesTest {

  @Test
  void leasesWithoutAWordComeFirstThenTheOldestWords() {
    List<LeaseKey> leases = new ArrayList<>();
    Map<LeaseKey, Long> wordAt = new HashMap<>();
    // nanoTime values may be negative and wrap: compared by difference, Long.MAX_VALUE - 5 is older than it + 10.
    long base = Long.MAX_VALUE - 5;
    for (int i = 0; i < 6; i++) {
      LeaseKey k = new LeaseKey("c" + i, "db1", 1);
      leases.add(k);
      if (i != 3) wordAt.put(k, base + 10L * (6 - i));
    }
    List<LeaseKey> pick = PeerLeases.stalestFirst(leases, k -> wordAt.getOrDefault(k, Long.MIN_VALUE), 3);
    assertThat(pick).extracting(LeaseKey::cluster).containsExactly("c3", "c5", "c4");
  }

  @Test
  void everyLeaseIsAskedWhenThePollHasRoom() {
    List<LeaseKey> leases = List.of(new LeaseKey("a", "db1", 1), new LeaseKey("b", "db1", 1));
    assertThat(PeerLeases.stalestFirst(leases, k -> 0L, PeerLeases.MAX_PER_POLL)).isSameAs(leases);
  }
}

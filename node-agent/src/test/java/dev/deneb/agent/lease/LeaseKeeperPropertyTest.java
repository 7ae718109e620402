package dev.deneb.agent.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.deneb.agent.lease.LeaseAction.Renew;
import dev.deneb.agent.lease.LeaseAction.Unfence;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Random schedules of ticks, answers (accepted, refused, late, lost) and epoch changes. After every
 * input the keeper's writability is checked against an independent oracle of DESIGN §3.2: writable
 * only before {@code s + ttl·(1-ρ) - fenceLead} of the newest accepted renewal for an epoch that
 * names this node, and never for an epoch below the highest seen. (Fencing at once on a refusal is
 * an optimisation on top of that rule; LeaseKeeperTest checks it.)
 */
class LeaseKeeperPropertyTest {
  static final long MS = 1_000_000;

  private record Outstanding(long id, long epoch, long sentAt) {}

  @Property(tries = 2000)
  void neverWritableWithoutAValidLease(@ForAll long seed, @ForAll @IntRange(min = 50, max = 400) int steps) {
    Random rnd = new Random(seed);
    LeaseSettings s = LeaseSettings.DEFAULTS;
    LeaseKeeper keeper = new LeaseKeeper("db1", s, 0, 1);
    long now = 0;
    long epoch = 1;
    String primary = "db1";
    List<Outstanding> outstanding = new ArrayList<>();
    Map<Long, Long> newestAcceptedSend = new HashMap<>(); // epoch -> send time (oracle)
    long highestSeen = 0;
    handle(keeper.onCommittedEpoch(epoch, primary, now), outstanding, now);
    highestSeen = epoch;

    for (int i = 0; i < steps; i++) {
      now += rnd.nextInt(1, 300) * MS;
      int event = rnd.nextInt(10);
      List<LeaseAction> actions;
      if (rnd.nextInt(25) == 0) {
        // The link to every controller is cut for a while: renewals in flight are lost, and ticks
        // run on through the outage (the case where the lease must run out and fence).
        outstanding.clear();
        long outageEnd = now + rnd.nextInt(500, 4000) * MS;
        actions = new ArrayList<>();
        while (now < outageEnd) {
          now += rnd.nextInt(1, 100) * MS;
          List<LeaseAction> step = keeper.tick(now);
          actions.addAll(step);
          if (keeper.writable()) {
            Long sent = newestAcceptedSend.get(epoch);
            assertThat(sent).isNotNull();
            assertThat(now).as("writable past s + ttl(1-ρ) - fenceLead during an outage")
                .isLessThan(sent + s.validNanos() - s.fenceLead().toNanos());
          }
        }
        outstanding.clear();
      } else if (event < 5 || outstanding.isEmpty()) {
        actions = keeper.tick(now);
      } else if (event < 9) {
        Outstanding o = outstanding.remove(rnd.nextInt(outstanding.size()));
        boolean accept = rnd.nextInt(8) != 0 && o.epoch() == epoch && primary.equals("db1");
        if (accept) newestAcceptedSend.merge(o.epoch(), o.sentAt(), Math::max);
        actions = keeper.onGrant(o.id(), "c1", accept, o.epoch(), accept ? "" : "STALE_EPOCH", now);
      } else {
        // A new epoch, naming this node or another; sometimes a stale repeat of an old one.
        if (rnd.nextInt(4) == 0 && epoch > 1) {
          actions = keeper.onCommittedEpoch(epoch - 1, "db1", now);
        } else {
          epoch++;
          primary = rnd.nextBoolean() ? "db1" : "db2";
          highestSeen = epoch;
          actions = keeper.onCommittedEpoch(epoch, primary, now);
        }
      }
      handle(actions, outstanding, now);

      for (LeaseAction a : actions) {
        if (a instanceof Unfence u) {
          assertThat(u.epoch()).as("S3: unfenced for an epoch below the highest seen").isEqualTo(highestSeen);
        }
      }
      if (keeper.writable()) {
        Long sent = newestAcceptedSend.get(epoch);
        assertThat(primary).as("writable while epoch %d names %s", epoch, primary).isEqualTo("db1");
        assertThat(sent).as("writable with no accepted renewal in epoch %d", epoch).isNotNull();
        assertThat(now).as("writable past s + ttl(1-ρ) - fenceLead").isLessThan(sent + s.validNanos() - s.fenceLead().toNanos());
      }
    }
  }

  private static void handle(List<LeaseAction> actions, List<Outstanding> outstanding, long now) {
    for (LeaseAction a : actions) {
      if (a instanceof Renew r) outstanding.add(new Outstanding(r.requestId(), r.epoch(), now));
    }
  }
}

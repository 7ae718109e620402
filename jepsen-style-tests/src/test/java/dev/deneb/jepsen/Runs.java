package dev.deneb.jepsen;

import static dev.deneb.jepsen.Script.nanos;

import dev.deneb.jepsen.history.Durability;
import dev.deneb.jepsen.history.EpochChange;
import dev.deneb.jepsen.history.FinalState;
import dev.deneb.jepsen.history.History;
import dev.deneb.jepsen.history.Observations;
import dev.deneb.jepsen.history.Quarantine;
import dev.deneb.jepsen.history.WorkflowRun;
import java.util.List;
import java.util.Set;

/**
 * A small clean run used by several tests: db1 primary in epoch 1, a partition of db1 at 2.0 s,
 * failover to db2 (epoch 2 at 3.0 s), heal at 5.0 s, API and DNS on db2 at 5.5 s.
 */
public final class Runs {
  private Runs() {}

  public static History cleanHistory() {
    Script s = new Script();
    s.write(0.5, 0, "v1", "db1", 1, "0-1-1");
    s.write(1.0, 1, "v2", "db1", 1, "0-1-2");
    s.write(1.5, 0, "v3", "db1", 1, "0-1-3");
    s.startFault(2.0, "partition", "db1");
    var lost = s.at(2.1).invoke(1, "v4", "db1", 1);
    s.at(2.6).info(lost);
    s.write(3.2, 2, "v5", "db2", 2, "0-2-4");
    s.write(3.5, 0, "v6", "db2", 2, "0-2-5");
    s.stopFault(5.0, "partition", "db1");
    s.write(5.2, 2, "v7", "db2", 2, "0-2-6");
    return s.history();
  }

  public static List<EpochChange> epochs() {
    return List.of(new EpochChange(1, "db1", "bootstrap", 0, Set.of()),
        new EpochChange(2, "db2", "failover: lease lapsed", nanos(3.0), Set.of()));
  }

  public static List<WorkflowRun> workflows() {
    return List.of(new WorkflowRun("failover", 1, 2, nanos(2.9), nanos(3.1), "completed"));
  }

  public static FinalState finalState(Set<String> rows) {
    return new FinalState("db2", 2, rows, "db2", "db2", nanos(5.5));
  }

  public static Observations cleanObservations(Durability durability) {
    return new Observations(durability, epochs(), workflows(), List.<Quarantine>of(),
        finalState(Set.of("v1", "v2", "v3", "v5", "v6", "v7")));
  }
}

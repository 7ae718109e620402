package dev.deneb.fencing.dialect;

import java.util.ArrayList;
import java.util.List;

/**
 * Whether the in-database guard (the event that sets read-only once the lease row expires) can
 * actually fire.
 *
 * @param eventScheduler {@code @@GLOBAL.event_scheduler}: ON, OFF or DISABLED. Events only run
 *     when it is ON; DISABLED can only be changed by restarting the server with
 *     {@code event_scheduler=ON} in its configuration (which is where it belongs, so that a
 *     restart keeps the guard).
 * @param leaseTablePresent whether {@code deneb.lease} exists
 * @param eventPresent whether the guard event exists
 * @param eventEnabled whether it is ENABLED (a replicated copy would be SLAVESIDE_DISABLED)
 */
public record GuardStatus(
    String eventScheduler, boolean leaseTablePresent, boolean eventPresent, boolean eventEnabled) {

  /** True when the guard will fire on an expired lease. */
  public boolean armed() {
    return problems().isEmpty();
  }

  /** What stops the guard from firing, one sentence each; empty when armed. */
  public List<String> problems() {
    List<String> out = new ArrayList<>();
    if (!"ON".equalsIgnoreCase(eventScheduler)) {
      out.add("event_scheduler is " + eventScheduler + ", so the lease guard event never runs; set"
          + " event_scheduler=ON in the server configuration");
    }
    if (!leaseTablePresent) {
      out.add("table " + DenebSchema.LEASE_TABLE + " is missing");
    }
    if (!eventPresent) {
      out.add("event " + DenebSchema.GUARD_EVENT + " is missing");
    } else if (!eventEnabled) {
      out.add("event " + DenebSchema.GUARD_EVENT + " exists but is not ENABLED");
    }
    return out;
  }
}

package dev.deneb.controller.failover;

import dev.deneb.protocol.HealthReport;

/**
 * One node as the leader sees it from its agent's newest report (soft state, DESIGN §3.3).
 *
 * @param reportAgeMillis how old that report is on this member's clock; -1 when there is none
 * @param downForMillis how long the agent has reported mysqld down without a break; -1 when up or unknown
 */
public record NodeView(String node, HealthReport report, long reportAgeMillis, long downForMillis) {

  public static NodeView unreported(String node) {
    return new NodeView(node, HealthReport.getDefaultInstance(), -1, -1);
  }

  public boolean reported() {
    return reportAgeMillis >= 0;
  }

  /** Reported within {@code staleAfterMillis}. */
  public boolean fresh(long staleAfterMillis) {
    return reported() && reportAgeMillis <= staleAfterMillis;
  }

  public boolean up() {
    return reported() && report.getMysqldUp();
  }
}

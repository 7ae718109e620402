package dev.deneb.sandbox.netns;

import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Assumptions;

/**
 * The gate of every test that needs real network namespaces.
 *
 * <p>Where namespaces cannot be used (not root, no CAP_NET_ADMIN, no {@code nft}), those tests FAIL
 * with the reason rather than skip: a skipped partition test looks green and would hide that the
 * Jepsen-style suite silently lost its real network faults. Set {@code DENEB_NETNS=off} to skip them
 * on purpose (a developer laptop without root); they are then reported as skipped, with that reason.
 */
final class NetnsTestSupport {
  static final String SWITCH_ENV = "DENEB_NETNS";

  private NetnsTestSupport() {}

  static NetnsAvailability.Available requireNetns() {
    NetnsAvailability availability = NetnsAvailability.check();
    if ("off".equals(System.getenv(SWITCH_ENV))) {
      Assumptions.abort(SWITCH_ENV + "=off: network namespace tests skipped on purpose"
          + (availability instanceof NetnsAvailability.Unavailable u
              ? " (namespaces are unavailable here anyway: " + u.reason() + ")" : ""));
    }
    if (availability instanceof NetnsAvailability.Unavailable u) {
      fail("these tests need network namespaces, which cannot be used here: " + u.reason()
          + " (set " + SWITCH_ENV + "=off to skip them on purpose)");
    }
    return (NetnsAvailability.Available) availability;
  }
}

package dev.deneb.controller.discovery.haproxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing {@code show servers state} as HAProxy 2.6 prints it, and what counts as ready. */
class ServerStateTest {
  private static final String HEADER = "# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight"
      + " srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state"
      + " srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port"
      + " srv_check_addr srv_agent_addr srv_agent_port";

  @Test
  void readsNamesAndStatesByHeaderColumn() {
    String reply = "1\n" + HEADER + "\n"
        + "2 db 1 db1 127.0.0.1 0 1 1 1 0 1 0 0 0 0 0 0 - 19001 - 0 0 - - 0\n"
        // admin 4 alone: "disabled" in the config, then set ready: HAProxy routes to it.
        + "2 db 2 db2 127.0.0.1 2 4 1 1 0 1 0 0 8 0 0 0 - 19002 - 0 0 - - 0\n\n";

    List<ServerState> servers = ServerState.parse(reply);

    assertThat(servers).containsExactly(new ServerState("db1", 0, 1), new ServerState("db2", 2, 4));
    assertThat(servers.get(1).ready()).isTrue();
    assertThat(servers.get(0).forcedMaintenance()).isTrue();
    assertThat(HaproxyBackend.problem(servers, "db2")).isNull();
  }

  @Test
  void drainingOrDownIsNotReady() {
    assertThat(new ServerState("db2", 2, 0x08).ready()).isFalse();
    assertThat(new ServerState("db2", 0, 0).ready()).isFalse();
    assertThat(HaproxyBackend.problem(List.of(new ServerState("db2", 0, 0)), "db2")).contains("health check");
    assertThat(HaproxyBackend.problem(List.of(new ServerState("db2", 2, 0), new ServerState("db1", 2, 0)), "db2"))
        .isEqualTo("server db1 (op state 2, admin state 0x0) is not in maintenance");
  }

  @Test
  void anErrorReplyIsQuotedInTheMessage() {
    assertThatThrownBy(() -> ServerState.parse("Can't find backend.\n"))
        .hasMessageContaining("'Can't find backend.'");
  }
}

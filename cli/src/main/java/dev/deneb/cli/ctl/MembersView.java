package dev.deneb.cli.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deneb.cli.Table;
import java.net.URI;
import java.util.Optional;

/**
 * The controller members table. The member list and the leader come from the first member that
 * answers; role, term and applied index are each member's own answer, so a lagging or partitioned
 * member shows as such instead of as the first member believes it to be.
 */
public final class MembersView {

  private MembersView() {}

  public static String render(ControllerClient client) {
    ControllerClient.Answer answer = client.controller();
    JsonNode view = answer.body();
    String answeredBy = Views.text(view, "id");
    Table table = Table.withHeaders("  ID", "RAFT", "HTTP", "ROLE", "TERM", "APPLIED");
    for (JsonNode member : view.path("members")) {
      String id = Views.text(member, "id");
      String http = Views.text(member, "httpAddress");
      Optional<JsonNode> own = id != null && id.equals(answeredBy) ? Optional.of(view)
          : http == null ? Optional.empty() : client.controllerAt(URI.create("http://" + http));
      String marker = member.path("leader").asBoolean(false) ? "* " : "  ";
      table.row(marker + id, Views.text(member, "raftAddress"), http,
          own.map(o -> Views.text(o, "role")).orElse("unreachable"),
          own.map(o -> (Object) o.path("term").asLong()).orElse(null),
          own.map(o -> (Object) o.path("appliedIndex").asLong()).orElse(null));
    }
    String leader = Views.text(view, "leader");
    String footer = (leader == null ? "no leader known" : "* leader " + leader + ", term " + view.path("term").asLong())
        + " (as seen by " + answeredBy + " at " + answer.endpoint() + ")\n";
    return table.render() + footer;
  }
}

package dev.deneb.sandbox;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What one member answered to {@code GET /v1/controller}: its own role and term, and who it
 * believes leads ({@code null} when it knows no leader).
 */
public record ControllerView(String id, String role, long term, String leader, long appliedIndex) {

  static ControllerView fromJson(JsonNode json) {
    JsonNode leader = json.path("leader");
    return new ControllerView(
        json.path("id").asText(),
        json.path("role").asText("UNKNOWN"),
        json.path("term").asLong(),
        leader.isTextual() ? leader.asText() : null,
        json.path("appliedIndex").asLong());
  }

  public boolean isLeader() {
    return "LEADER".equals(role);
  }
}

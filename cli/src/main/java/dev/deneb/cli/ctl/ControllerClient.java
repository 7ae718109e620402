package dev.deneb.cli.ctl;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deneb.cli.CliException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * HTTP client of the controller group (docs/api.md) that finds its own way to a working member.
 *
 * <p>Reads go to the endpoints in turn: an unreachable member, or one answering 503 (no quorum on
 * its side), is skipped. Writes go to the leader, found through {@code GET /v1/controller}, and fall
 * back to any member (which forwards through Raft) — but only past members that certainly did not
 * receive the request (connection refused), because a write that timed out may still commit.
 */
public final class ControllerClient {

  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(2);
  /** Longer than the controller's default requestTimeout (5s), so its own 503 arrives first. */
  public static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(8);
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(2);

  static final ObjectMapper JSON = new ObjectMapper();

  private final List<URI> endpoints;
  private final HttpClient http;

  public ControllerClient(List<URI> endpoints) {
    if (endpoints.isEmpty()) {
      throw new CliException("no controller endpoint given");
    }
    this.endpoints = List.copyOf(endpoints);
    this.http = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(CONNECT_TIMEOUT)
        .build();
  }

  public List<URI> endpoints() {
    return endpoints;
  }

  /** An answer and the member that gave it. */
  public record Answer(URI endpoint, JsonNode body) {}

  public JsonNode get(String pathAndQuery) {
    return get(pathAndQuery, REQUEST_TIMEOUT).body();
  }

  /** GET from the first member that answers without 503. */
  public Answer get(String pathAndQuery, Duration timeout) {
    Map<URI, String> unreachable = new LinkedHashMap<>();
    ApiException noQuorum = null;
    for (URI endpoint : endpoints) {
      try {
        return new Answer(endpoint, body(endpoint, send(endpoint, "GET", pathAndQuery, null, timeout)));
      } catch (IOException e) {
        unreachable.put(endpoint, reason(e));
      } catch (ApiException e) {
        if (e.status() != 503) {
          throw e;
        }
        noQuorum = e;
        unreachable.put(endpoint, "503 " + e.code());
      }
    }
    if (noQuorum != null) {
      throw noQuorum;
    }
    throw unreachable(unreachable);
  }

  /**
   * GET from the group's leader only, for answers only the leader can give (such as {@code explain}:
   * the orchestrator decides there; a follower's answer only says it is not the leader). Fails,
   * naming the endpoints asked, when no member names a leader or the leader does not answer.
   */
  public Answer getFromLeader(String pathAndQuery) {
    URI leader = leaderEndpoint().orElseThrow(() -> new CliException("no controller leader known at "
        + String.join(", ", endpoints.stream().map(URI::toString).toList())
        + " (an election may be under way, or no majority is up); only the leader can answer " + pathAndQuery));
    try {
      return new Answer(leader, body(leader, send(leader, "GET", pathAndQuery, null, REQUEST_TIMEOUT)));
    } catch (IOException e) {
      throw new CliException("the leader at " + leader + " did not answer GET " + pathAndQuery + " (" + reason(e) + ")", e);
    }
  }

  public JsonNode post(String path, JsonNode body) {
    return write("POST", path, body);
  }

  public JsonNode delete(String path) {
    return write("DELETE", path, null);
  }

  /** {@code GET /v1/controller} from the first member that answers. */
  public Answer controller() {
    return get("/v1/controller", PROBE_TIMEOUT);
  }

  /** {@code GET /v1/controller} from one given member, or empty if it does not answer in time. */
  public Optional<JsonNode> controllerAt(URI endpoint) {
    try {
      return Optional.of(body(endpoint, send(endpoint, "GET", "/v1/controller", null, PROBE_TIMEOUT)));
    } catch (IOException | ApiException e) {
      return Optional.empty();
    }
  }

  private JsonNode write(String method, String path, JsonNode body) {
    Map<URI, String> unreachable = new LinkedHashMap<>();
    for (URI target : writeTargets()) {
      HttpResponse<String> response;
      try {
        response = send(target, method, path, body, REQUEST_TIMEOUT);
      } catch (IOException e) {
        if (notDelivered(e)) {
          unreachable.put(target, reason(e));
          continue;
        }
        throw new CliException("no answer from " + target + " to " + method + " " + path + " (" + reason(e)
            + "); the change may still be applied: check with 'deneb ctl status'", e);
      }
      return body(target, response);
    }
    throw unreachable(unreachable);
  }

  /** The leader's HTTP address first (it commits without forwarding), then every endpoint. */
  private List<URI> writeTargets() {
    Set<URI> targets = new LinkedHashSet<>();
    leaderEndpoint().ifPresent(targets::add);
    targets.addAll(endpoints);
    return new ArrayList<>(targets);
  }

  private Optional<URI> leaderEndpoint() {
    for (URI endpoint : endpoints) {
      Optional<JsonNode> view = controllerAt(endpoint);
      if (view.isEmpty() || !view.get().path("leader").isTextual()) {
        continue;
      }
      String leader = view.get().path("leader").asText();
      for (JsonNode member : view.get().path("members")) {
        if (leader.equals(member.path("id").asText()) && member.path("httpAddress").isTextual()) {
          return Optional.of(URI.create("http://" + member.path("httpAddress").asText()));
        }
      }
    }
    return Optional.empty();
  }

  private HttpResponse<String> send(URI endpoint, String method, String pathAndQuery, JsonNode body, Duration timeout)
      throws IOException {
    HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.resolve(pathAndQuery))
        .timeout(timeout)
        .header("Accept", "application/json");
    if (body != null) {
      request.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body), StandardCharsets.UTF_8));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted while waiting for " + endpoint, e);
    }
  }

  /** The JSON of a 2xx answer; an {@link ApiException} carrying the server's sentence otherwise. */
  private static JsonNode body(URI endpoint, HttpResponse<String> response) {
    String text = response.body() == null ? "" : response.body();
    JsonNode json;
    try {
      json = text.isBlank() ? JSON.createObjectNode() : JSON.readTree(text);
    } catch (JsonProcessingException e) {
      json = null;
    }
    int status = response.statusCode();
    if (status >= 200 && status < 300) {
      if (json == null) {
        throw new CliException(endpoint + " answered HTTP " + status + " with a body that is not JSON: " + abbreviate(text));
      }
      return json;
    }
    if (json != null && json.path("error").isTextual()) {
      throw new ApiException(status, json.path("code").asText("HTTP_" + status), json.path("error").asText());
    }
    throw new ApiException(status, "HTTP_" + status, endpoint + " answered HTTP " + status + ": " + abbreviate(text));
  }

  /** True when the request certainly never reached the server, so another member may get it. */
  private static boolean notDelivered(IOException e) {
    return e instanceof ConnectException || e instanceof HttpConnectTimeoutException;
  }

  static String reason(IOException e) {
    if (e instanceof HttpConnectTimeoutException) {
      return "connect timed out";
    }
    if (e instanceof HttpTimeoutException) {
      return "no answer in time";
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t.getMessage() != null && !t.getMessage().isBlank()) {
        return t.getMessage().toLowerCase(Locale.ROOT);
      }
    }
    return e instanceof ConnectException ? "connection refused" : e.getClass().getSimpleName();
  }

  /** One line: "no controller reachable at A, B (connection refused); set --endpoints or DENEB_ENDPOINTS". */
  static CliException unreachable(Map<URI, String> reasons) {
    Set<String> distinct = new LinkedHashSet<>(reasons.values());
    StringBuilder text = new StringBuilder("no controller reachable at ");
    if (distinct.size() == 1) {
      text.append(String.join(", ", reasons.keySet().stream().map(URI::toString).toList()))
          .append(" (").append(distinct.iterator().next()).append(')');
    } else {
      text.append(String.join(", ", reasons.entrySet().stream().map(e -> e.getKey() + " (" + e.getValue() + ")").toList()));
    }
    return new CliException(text.append("; set --endpoints or DENEB_ENDPOINTS").toString());
  }

  private static String abbreviate(String text) {
    String line = text.strip().replaceAll("\\s*\\R\\s*", " ");
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }

  /** A path segment (cluster or node name), percent-encoded as RFC 3986 requires. */
  public static String segment(String name) {
    StringBuilder out = new StringBuilder();
    for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
      char c = (char) (b & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || "-._~".indexOf(c) >= 0) {
        out.append(c);
      } else {
        out.append('%').append(String.format("%02X", b & 0xff));
      }
    }
    return out.toString();
  }

  public static ObjectNode object() {
    return JSON.createObjectNode();
  }

  /** JSON as the server sent it, pretty-printed, for {@code -o json}. */
  public static String pretty(JsonNode json) {
    try {
      return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot print JSON: " + e.getMessage(), e);
    }
  }
}

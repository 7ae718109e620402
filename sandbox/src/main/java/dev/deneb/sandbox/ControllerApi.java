package dev.deneb.sandbox;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The controller group's HTTP API as tests, benches and the demo use it: each call tries the members
 * in turn until one answers (any member serves reads; writes are forwarded through Raft by whichever
 * member receives them).
 */
public final class ControllerApi {
  private static final ObjectMapper JSON = new ObjectMapper();

  public record Response(int status, JsonNode body) {}

  /** What {@code GET /v1/clusters/{c}/primary} says. */
  public record Primary(long epoch, String node, String host, int port) {}

  private final List<URI> endpoints;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofMillis(500)).build();
  private final Duration timeout;

  public ControllerApi(List<URI> endpoints, Duration timeout) {
    this.endpoints = List.copyOf(endpoints);
    this.timeout = timeout;
  }

  public Response get(String path) throws IOException {
    return send("GET", path, null);
  }

  public Response post(String path, String json) throws IOException {
    return send("POST", path, json);
  }

  public Response delete(String path) throws IOException {
    return send("DELETE", path, null);
  }

  /** The cluster's primary as a stale (follower-served) read, so it answers while the leader changes. */
  public Optional<Primary> primary(String cluster) {
    try {
      Response r = get("/v1/clusters/" + cluster + "/primary?stale=true");
      if (r.status() != 200) return Optional.empty();
      JsonNode b = r.body();
      return Optional.of(new Primary(b.get("epoch").asLong(), b.get("node").asText(), b.get("host").asText(), b.get("port").asInt()));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /**
   * The highest epoch of the cluster that any member has applied, from a stale read of each member in
   * turn; empty when none answered. Ratis applies only committed entries, so an epoch applied on any
   * member is committed — unlike {@link #primary}, which asks one member that may lag the others.
   */
  public java.util.OptionalLong highestAppliedEpoch(String cluster) {
    java.util.OptionalLong highest = java.util.OptionalLong.empty();
    for (URI base : endpoints) {
      HttpRequest req = HttpRequest.newBuilder(base.resolve("/v1/clusters/" + cluster + "/primary?stale=true"))
          .timeout(timeout).GET().build();
      try {
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) continue;
        long epoch = JSON.readTree(r.body()).path("epoch").asLong();
        if (highest.isEmpty() || epoch > highest.getAsLong()) highest = java.util.OptionalLong.of(epoch);
      } catch (IOException e) {
        // That member is down or busy: the others may answer.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return highest;
      }
    }
    return highest;
  }

  private Response send(String method, String path, String json) throws IOException {
    IOException last = null;
    for (URI base : endpoints) {
      HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout);
      b = json == null ? b.method(method, HttpRequest.BodyPublishers.noBody())
          : b.header("Content-Type", "application/json").method(method, HttpRequest.BodyPublishers.ofString(json));
      try {
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 503) {
          last = new IOException(base + path + ": 503 " + r.body());
          continue; // that member has no quorum or no leader: another may
        }
        return new Response(r.statusCode(), r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body()));
      } catch (IOException e) {
        last = new IOException(base + path + ": " + e.getMessage(), e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }
    throw last == null ? new IOException("no controller endpoint") : last;
  }
}

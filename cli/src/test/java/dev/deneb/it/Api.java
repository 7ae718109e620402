package dev.deneb.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A tiny HTTP/JSON client for one controller member, for process-level tests. */
record Api(URI base) {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  static final ObjectMapper JSON = new ObjectMapper();

  record Response(int status, JsonNode body) {
    String code() {
      return body.path("code").asText();
    }

    String error() {
      return body.path("error").asText();
    }
  }

  Response get(String path) throws IOException, InterruptedException {
    return send("GET", path, null);
  }

  Response post(String path, String json) throws IOException, InterruptedException {
    return send("POST", path, json);
  }

  Response send(String method, String path, String json) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(30))
        .method(method, json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json))
        .header("Content-Type", "application/json").build();
    HttpResponse<String> r = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    return new Response(r.statusCode(), r.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(r.body()));
  }

  Response postOrNull(String path, String json) {
    try {
      return post(path, json);
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }

  /** For Awaitility: any I/O failure (a member still starting, or dead) counts as "not yet". */
  Response getOrNull(String path) {
    try {
      return get(path);
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}

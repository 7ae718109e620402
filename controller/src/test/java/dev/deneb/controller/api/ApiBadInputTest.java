package dev.deneb.controller.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.deneb.controller.ControllerNode;
import dev.deneb.controller.config.ConfigLoader;
import dev.deneb.controller.config.ControllerConfig;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad API input against a real single-member controller (real Ratis server, real Netty, in this JVM):
 * every bad request gets a 4xx naming the problem, and the replicated state does not change.
 */
class ApiBadInputTest {
  @TempDir static Path dir;
  static ControllerNode node;
  static String base;
  static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void start() throws Exception {
    int raft = freePort();
    int api = freePort();
    ControllerConfig config = ConfigLoader.parse("""
        id: c1
        dataDir: %s
        peers: [{id: c1, raft: "127.0.0.1:%d", http: "127.0.0.1:%d"}]
        api: {maxRequestBytes: 4096, maxWait: 5s}
        """.formatted(dir.resolve("c1"), raft, api), "test");
    node = ControllerNode.start(config);
    base = "http://127.0.0.1:" + api;
    await().atMost(Duration.ofSeconds(30)).until(() -> get("/readyz").statusCode() == 200);
    assertThat(post("/v1/clusters", "{\"name\":\"orders\"}").statusCode()).isEqualTo(201);
    assertThat(post("/v1/clusters/orders/nodes", "{\"node\":\"db1\",\"host\":\"127.0.0.1\",\"port\":3306}").statusCode())
        .isEqualTo(201);
  }

  @AfterAll
  static void stop() throws Exception {
    if (node != null) node.close();
  }

  @Test
  void malformedJsonIs400() throws Exception {
    expectUnchanged(() -> assertError(post("/v1/clusters", "{\"name\":"), 400, "BAD_REQUEST", "not valid JSON"));
  }

  @Test
  void unknownFieldIs400NamingIt() throws Exception {
    expectUnchanged(() -> assertError(post("/v1/clusters", "{\"name\":\"x\",\"leaseTTL\":5}"), 400, "BAD_REQUEST",
        "unknown field 'leaseTTL'"));
  }

  @Test
  void wrongTypeIs400NamingTheField() throws Exception {
    expectUnchanged(() -> assertError(post("/v1/clusters", "{\"name\":\"x\",\"leaseTtlMs\":\"soon\"}"), 400,
        "BAD_REQUEST", "field 'leaseTtlMs'"));
  }

  @Test
  void invalidValuesAre400() throws Exception {
    expectUnchanged(() -> {
      assertError(post("/v1/clusters", "{\"name\":\"Not_A_Label\"}"), 400, "INVALID_ARGUMENT", "DNS label");
      assertError(post("/v1/clusters", "{\"name\":\"x\",\"leaseTtlMs\":10}"), 400, "INVALID_ARGUMENT", "lease TTL");
      assertError(post("/v1/clusters", "{\"name\":\"x\",\"durability\":\"sync\"}"), 400, "INVALID_ARGUMENT", "durability");
      assertError(post("/v1/clusters/orders/nodes", "{\"node\":\"db2\",\"host\":\"h\",\"port\":0}"), 400,
          "INVALID_ARGUMENT", "port 0");
      assertError(post("/v1/clusters", ""), 400, "BAD_REQUEST", "needs a JSON body");
      assertError(get("/v1/clusters/orders/primary?wait=1h&after=0"), 400, "INVALID_ARGUMENT", "exceeds the maximum");
      assertError(get("/v1/clusters/orders/primary?wait=1s"), 400, "INVALID_ARGUMENT", "after=<epoch>");
      assertError(get("/v1/clusters/orders?stale=maybe"), 400, "INVALID_ARGUMENT", "stale must be");
    });
  }

  @Test
  void leaseViewRequestsAreCheckedAndAnswerInOrder() throws Exception {
    expectUnchanged(() -> {
      assertError(post("/v1/internal/leases", "not json"), 400, "INVALID_ARGUMENT", "not JSON");
      assertError(post("/v1/internal/leases", "{\"leases\":5}"), 400, "INVALID_ARGUMENT", "must be an array");
      assertError(post("/v1/internal/leases", "{\"leases\":[{\"cluster\":\"orders\",\"node\":\"db1\",\"epoch\":-1}]}"),
          400, "INVALID_ARGUMENT", "leases[0]");
      assertError(post("/v1/internal/leases", "{\"leases\":[{\"cluster\":1,\"node\":\"db1\",\"epoch\":1}]}"),
          400, "INVALID_ARGUMENT", "leases[0]");
      assertError(get("/v1/internal/leases"), 405, "METHOD_NOT_ALLOWED", "");
    });
    var ok = post("/v1/internal/leases", "{\"leases\":[{\"cluster\":\"orders\",\"node\":\"db1\",\"epoch\":1},"
        + "{\"cluster\":\"ghost\",\"node\":\"x\",\"epoch\":7}]}");
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).contains("\"member\":\"c1\"").contains("\"granted\":false").contains("\"closed\":false");
  }

  @Test
  void oversizedBodyIs413() throws Exception {
    String big = "{\"name\":\"" + "a".repeat(10_000) + "\"}";
    expectUnchanged(() -> assertError(post("/v1/clusters", big), 413, "TOO_LARGE", "exceeds 4096 bytes"));
  }

  @Test
  void unknownThingsAre404() throws Exception {
    expectStateUnchanged(() -> {
      assertError(get("/v1/clusters/nope"), 404, "UNKNOWN_CLUSTER", "no cluster named 'nope'");
      assertError(get("/v1/clusters/nope/primary"), 404, "UNKNOWN_CLUSTER", "nope");
      assertError(post("/v1/clusters/nope/bootstrap", "{\"primary\":\"db1\"}"), 404, "UNKNOWN_CLUSTER", "nope");
      assertError(post("/v1/clusters/orders/bootstrap", "{\"primary\":\"db9\"}"), 404, "UNKNOWN_NODE", "db9");
      assertError(get("/v1/clusters/orders/primary"), 404, "NO_PRIMARY", "bootstrap it first");
      assertError(get("/v2/anything"), 404, "NOT_FOUND", "no such path");
    });
  }

  @Test
  void conflictsAre409AndWrongMethods405() throws Exception {
    expectStateUnchanged(() -> assertError(post("/v1/clusters", "{\"name\":\"orders\"}"), 409, "CLUSTER_EXISTS",
        "already exists"));
    expectUnchanged(() -> {
      assertError(send("PUT", "/v1/clusters/orders", "{}"), 405, "METHOD_NOT_ALLOWED", "PUT");
    });
  }

  @Test
  void garbageOnTheSocketIsAnsweredAndTheServerKeepsServing() throws Exception {
    URI uri = URI.create(base);
    try (Socket s = new Socket(uri.getHost(), uri.getPort())) {
      OutputStream out = s.getOutputStream();
      out.write("\u0000\u0001garbage that is not HTTP\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
      s.setSoTimeout(5000);
      InputStream in = s.getInputStream();
      String answer = new String(in.readNBytes(12), StandardCharsets.ISO_8859_1);
      assertThat(answer).startsWith("HTTP/1.1 400");
    }
    assertThat(get("/v1/clusters/orders").statusCode()).isEqualTo(200);
  }

  @Test
  void longPollReturnsWhenTheEpochPassesAfter() throws Exception {
    // A poll on a cluster that does not exist answers 404 at once rather than waiting for it to appear.
    // (Answered before the cluster is created below: sent concurrently with the creation, the poll
    // could reach the server after it, and then rightly answer 200.)
    HttpResponse<String> r = http.send(request("GET", "/v1/clusters/lp/primary?wait=5s&after=0", null),
        HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(post("/v1/clusters", "{\"name\":\"lp\"}").statusCode()).isEqualTo(201);
    assertThat(post("/v1/clusters/lp/nodes", "{\"node\":\"a\",\"host\":\"127.0.0.1\",\"port\":3306}").statusCode()).isEqualTo(201);
    assertThat(post("/v1/clusters/lp/bootstrap", "{\"primary\":\"a\"}").statusCode()).isEqualTo(200);
    // A poll on an existing cluster waits instead:
    var poll = http.sendAsync(request("GET", "/v1/clusters/lp/primary?wait=5s&after=1", null),
        HttpResponse.BodyHandlers.ofString());
    assertThat(poll).isNotDone();
    HttpResponse<String> timedOut = poll.get();
    assertThat(timedOut.statusCode()).isEqualTo(200);
    assertThat(json(timedOut).get("epoch").asLong()).isEqualTo(1);
  }

  // ---- helpers ----

  interface Check {
    void run() throws Exception;
  }

  /** Runs requests the API itself rejects and proves nothing reached the log: index and state stay put. */
  private static void expectUnchanged(Check check) throws Exception {
    long applied = node.member().stateMachine().image().index();
    expectStateUnchanged(check);
    assertThat(node.member().stateMachine().image().index()).isEqualTo(applied);
  }

  /**
   * Runs requests the state machine refuses. Those depend on the state, so they are decided when the
   * entry applies: they take a log index but must leave the state exactly as it was.
   */
  private static void expectStateUnchanged(Check check) throws Exception {
    var before = node.member().stateMachine().image().state();
    JsonNode view = json(get("/v1/clusters")).get("clusters");
    check.run();
    assertThat(node.member().stateMachine().image().state()).isEqualTo(before);
    assertThat(json(get("/v1/clusters")).get("clusters")).isEqualTo(view);
  }

  private static void assertError(HttpResponse<String> r, int status, String code, String text) throws Exception {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    JsonNode body = json(r);
    assertThat(body.get("code").asText()).isEqualTo(code);
    assertThat(body.get("error").asText()).contains(text);
  }

  private static JsonNode json(HttpResponse<String> r) throws Exception {
    return ApiRouter.JSON.readTree(r.body());
  }

  static HttpResponse<String> get(String path) throws Exception {
    return send("GET", path, null);
  }

  static HttpResponse<String> post(String path, String body) throws Exception {
    return send("POST", path, body);
  }

  static HttpResponse<String> send(String method, String path, String body) throws Exception {
    return http.send(request(method, path, body), HttpResponse.BodyHandlers.ofString());
  }

  static HttpRequest request(String method, String path, String body) {
    return HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}

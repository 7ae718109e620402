package dev.deneb.controller.lease;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.deneb.controller.config.ControllerConfig;
import java.io.Closeable;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The other members' lease views, as the leader needs them (DESIGN §3.9 rule 3: "followers report
 * their grants as soft state"). Only the leases the leader asks about are polled — those it has not
 * granted itself for a while, or whose replacement has begun — so a healthy fleet costs nothing here.
 * Each member is asked over its HTTP API ({@code POST /v1/internal/leases}), at most one request in
 * flight per member, every {@code every}; its answers are kept with the leader's receipt time.
 *
 * <p>I/O lives here, on its own thread and the HTTP client's; the orchestrator only reads the newest
 * answers ({@link #words}) and decides with the pure {@link LapseRule}.
 */
public final class PeerLeases implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(PeerLeases.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final List<Peer> peers = new ArrayList<>();
  private final LongSupplier nanos;
  private final Duration timeout;
  private final HttpClient http;
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "deneb-peer-leases");
    t.setDaemon(true);
    return t;
  });
  private volatile Set<LeaseKey> wanted = Set.of();
  private final Map<LeaseKey, Map<String, LapseRule.Word>> words = new ConcurrentHashMap<>();

  private final class Peer {
    final String id;
    final URI uri;
    final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    volatile String lastError = "";

    Peer(String id, URI uri) {
      this.id = id;
      this.uri = uri;
    }
  }

  public PeerLeases(ControllerConfig config, LongSupplier nanos, Duration every, Duration timeout) {
    this.nanos = nanos;
    this.timeout = timeout;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
    for (ControllerConfig.Peer p : config.peers()) {
      if (p.id().equals(config.id())) continue;
      peers.add(new Peer(p.id(), URI.create("http://" + p.http().host() + ":" + p.http().port() + "/v1/internal/leases")));
    }
    loop.scheduleWithFixedDelay(this::poll, every.toMillis(), every.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The leases the leader wants the others' word on; words of leases no longer wanted are dropped. */
  public void want(Set<LeaseKey> leases) {
    Set<LeaseKey> before = wanted;
    wanted = Set.copyOf(leases);
    words.keySet().retainAll(leases);
    // A newly doubted lease is asked about at once, not at the next poll: detection and the fence
    // proof both wait for these answers.
    if (!before.containsAll(leases) && !loop.isShutdown()) {
      try {
        loop.execute(this::poll);
      } catch (java.util.concurrent.RejectedExecutionException closing) {
        // Closing down: nothing more to ask.
      }
    }
  }

  /** The newest word of each other member on {@code lease}, received since it was first wanted. */
  public Collection<LapseRule.Word> words(LeaseKey lease) {
    Map<String, LapseRule.Word> w = words.get(lease);
    return w == null ? List.of() : List.copyOf(w.values());
  }

  /** Leases per request: a request body stays well inside the API's default 64 KiB limit. */
  static final int CHUNK = 400;

  /**
   * The most leases asked of one member per poll: those whose word from it is oldest (none first).
   * At 10,000 clusters starting at once every lease was doubted, and asking about all of them ten
   * times a second (JSON both ways) was a third of the leader's CPU, which starved the lease path.
   * Mass doubt means the leader itself is behind (its own grants lag), so polling more only made it
   * slower: with 2,000 a poll the poll thread was still the leader's busiest at 10,000 clusters. With
   * 500 a poll every 100 ms, up to 5,000 doubted leases each get a word within a second (a word stays
   * fresh for 1 s) — far more than fail at once; beyond that an open member's word goes stale and
   * counts as "may have granted just now", which delays a failover and never hastens one.
   */
  static final int MAX_PER_POLL = 500;

  private void poll() {
    Set<LeaseKey> ask = wanted;
    if (ask.isEmpty()) return;
    List<LeaseKey> all = List.copyOf(ask);
    for (Peer p : peers) {
      if (p.inFlight.get() > 0) continue;
      List<LeaseKey> pick = stalestFirst(all, k -> wordAt(k, p.id), MAX_PER_POLL);
      List<List<LeaseKey>> chunks = new ArrayList<>();
      for (int i = 0; i < pick.size(); i += CHUNK) chunks.add(pick.subList(i, Math.min(pick.size(), i + CHUNK)));
      p.inFlight.addAndGet(chunks.size());
      for (List<LeaseKey> keys : chunks) ask(p, keys);
    }
  }

  /** When {@code peer}'s newest word on {@code lease} arrived; {@link Long#MIN_VALUE} when there is none. */
  private long wordAt(LeaseKey lease, String peer) {
    Map<String, LapseRule.Word> w = words.get(lease);
    LapseRule.Word word = w == null ? null : w.get(peer);
    return word == null ? Long.MIN_VALUE : word.receivedAtNanos();
  }

  /**
   * Up to {@code limit} of {@code leases}: those without a word first ({@code wordAt} gives
   * {@link Long#MIN_VALUE}), then the oldest words (nanoTime values, compared by difference).
   */
  static List<LeaseKey> stalestFirst(List<LeaseKey> leases, java.util.function.ToLongFunction<LeaseKey> wordAt, int limit) {
    if (leases.size() <= limit) return leases;
    record Aged(LeaseKey key, long at) {}
    List<Aged> aged = new ArrayList<>(leases.size());
    for (LeaseKey k : leases) aged.add(new Aged(k, wordAt.applyAsLong(k)));
    aged.sort((a, b) -> a.at() == b.at() ? 0 : a.at() == Long.MIN_VALUE ? -1 : b.at() == Long.MIN_VALUE ? 1
        : Long.signum(a.at() - b.at()));
    List<LeaseKey> out = new ArrayList<>(limit);
    for (int i = 0; i < limit; i++) out.add(aged.get(i).key());
    return out;
  }

  private void ask(Peer p, List<LeaseKey> keys) {
    HttpRequest req = HttpRequest.newBuilder(p.uri).timeout(timeout).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(request(keys))).build();
    http.sendAsync(req, HttpResponse.BodyHandlers.ofByteArray()).whenComplete((resp, error) -> {
      try {
        long at = nanos.getAsLong();
        if (error != null || resp.statusCode() != 200) {
          String why = error != null ? error.toString() : "HTTP " + resp.statusCode();
          if (!why.equals(p.lastError)) LOG.info("no lease views from member {}: {}", p.id, why);
          p.lastError = why;
          return;
        }
        p.lastError = "";
        accept(p.id, keys, resp.body(), at);
      } catch (RuntimeException e) {
        LOG.warn("unreadable lease views from member {}: {}", p.id, e.toString());
      } finally {
        p.inFlight.decrementAndGet();
      }
    });
  }

  static byte[] request(List<LeaseKey> keys) {
    ObjectNode root = JSON.createObjectNode();
    ArrayNode leases = root.putArray("leases");
    for (LeaseKey k : keys) leases.addObject().put("cluster", k.cluster()).put("node", k.node()).put("epoch", k.epoch());
    return root.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  private void accept(String peerId, List<LeaseKey> keys, byte[] body, long at) {
    JsonNode views;
    try {
      views = JSON.readTree(body).path("views");
    } catch (java.io.IOException e) {
      throw new IllegalStateException("not JSON: " + e.getMessage());
    }
    if (!views.isArray() || views.size() != keys.size()) {
      throw new IllegalStateException("expected " + keys.size() + " views, got " + views);
    }
    Set<LeaseKey> still = wanted;
    for (int i = 0; i < keys.size(); i++) {
      if (!still.contains(keys.get(i))) continue;
      JsonNode v = views.get(i);
      LeaseView view = new LeaseView(v.path("closed").asBoolean(), v.path("granted").asBoolean(),
          v.path("silenceMillis").asLong());
      words.computeIfAbsent(keys.get(i), k -> new ConcurrentHashMap<>()).put(peerId, new LapseRule.Word(peerId, view, at));
    }
  }

  @Override
  public void close() {
    loop.shutdownNow();
  }
}

package dev.deneb.cli.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Closed-loop GET load: {@code threads} clients each send the next request when the previous one
 * answered, for a warm-up (discarded: JIT, connection set-up) and then a measured window.
 */
final class ReadLoad {

  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(5);

  private ReadLoad() {}

  /** One client's measurements. */
  private record Samples(long[] latencies, long errors) {}

  static LatencySummary run(HttpClient http, URI url, int threads, Duration warmup, Duration window)
      throws InterruptedException {
    long measureFrom = System.nanoTime() + warmup.toNanos();
    long end = measureFrom + window.toNanos();
    HttpRequest request = HttpRequest.newBuilder(url).timeout(REQUEST_TIMEOUT).GET().build();
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<Samples>> clients = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        clients.add(pool.submit(() -> client(http, request, measureFrom, end)));
      }
      long[] all = new long[0];
      long errors = 0;
      for (Future<Samples> client : clients) {
        Samples samples = client.get();
        int before = all.length;
        all = Arrays.copyOf(all, before + samples.latencies().length);
        System.arraycopy(samples.latencies(), 0, all, before, samples.latencies().length);
        errors += samples.errors();
      }
      return LatencySummary.of(all, errors, window);
    } catch (ExecutionException e) {
      throw new IllegalStateException("load client failed: " + e.getCause(), e.getCause());
    } finally {
      pool.shutdownNow();
    }
  }

  private static Samples client(HttpClient http, HttpRequest request, long measureFrom, long end) {
    long[] latencies = new long[1024];
    int count = 0;
    long errors = 0;
    while (true) {
      long sent = System.nanoTime();
      if (sent - end >= 0 || Thread.currentThread().isInterrupted()) {
        break;
      }
      boolean ok;
      try {
        ok = http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
      } catch (IOException e) {
        ok = false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      long took = System.nanoTime() - sent;
      if (sent - measureFrom < 0) {
        continue;
      }
      if (!ok) {
        errors++;
        continue;
      }
      if (count == latencies.length) {
        latencies = Arrays.copyOf(latencies, count * 2);
      }
      latencies[count++] = took;
    }
    return new Samples(Arrays.copyOf(latencies, count), errors);
  }
}

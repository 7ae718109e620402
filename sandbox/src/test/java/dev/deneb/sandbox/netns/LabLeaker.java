package dev.deneb.sandbox.netns;

import java.util.concurrent.CountDownLatch;

/**
 * A JVM that opens a {@link NetworkLab}, prints its prefix and waits to be killed without closing it:
 * what a test JVM looks like when it dies. Run by {@link NetworkLabTest} to check the shutdown hook
 * (SIGTERM) and {@link NetworkLab#sweepStale()} (SIGKILL, where no hook runs).
 */
public final class LabLeaker {
  private LabLeaker() {}

  public static void main(String[] args) throws InterruptedException {
    NetworkLab lab = NetworkLab.create(Integer.parseInt(args[0]));
    System.out.println(lab.prefix());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}

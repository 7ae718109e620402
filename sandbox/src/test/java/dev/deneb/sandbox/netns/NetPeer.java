package dev.deneb.sandbox.netns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;

/**
 * A real peer process inside a namespace of a {@link NetworkLab}: a small Java program, written to a
 * directory and compiled there, that serves TCP echo and a UDP inbox on the namespace's address and,
 * on commands over its stdin, probes other addresses from inside the namespace. One reply line per
 * command. The program exits when its stdin closes, so it cannot outlive a test JVM that died.
 */
final class NetPeer implements AutoCloseable {
  static final String CLASS = "NetPeerMain";
  static final int PORT = 7000;

  /** Connect and read timeouts of every probe: a cut link shows as a timeout, so keep it short. */
  static final int PROBE_MILLIS = 300;

  private static final String SOURCE = """
      import java.io.*;
      import java.net.*;
      import java.nio.charset.StandardCharsets;
      import java.util.*;
      import java.util.concurrent.*;

      /** args: bind address, port. Commands: tcp H P | udp H P TEXT | inbox | open H P | send. */
      public class NetPeerMain {
        static final int TIMEOUT = %d;
        static final Queue<String> inbox = new ConcurrentLinkedQueue<>();
        static Socket kept;
        static BufferedReader keptIn;

        public static void main(String[] args) throws Exception {
          InetAddress bind = InetAddress.getByName(args[0]);
          int port = Integer.parseInt(args[1]);
          ServerSocket server = new ServerSocket(port, 50, bind);
          DatagramSocket udp = new DatagramSocket(new InetSocketAddress(bind, port));
          daemon(() -> { while (true) { Socket s = server.accept(); daemon(() -> echo(s)); } });
          daemon(() -> {
            byte[] buf = new byte[512];
            while (true) {
              DatagramPacket p = new DatagramPacket(buf, buf.length);
              udp.receive(p);
              inbox.add(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8));
            }
          });
          System.out.println("ready");
          BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
          for (String line; (line = in.readLine()) != null; ) {
            String[] c = line.trim().split(" ");
            String reply;
            try {
              reply = switch (c[0]) {
                case "tcp" -> tcp(c[1], Integer.parseInt(c[2]));
                case "udp" -> udp(c[1], Integer.parseInt(c[2]), c[3]);
                case "inbox" -> "inbox " + String.join(",", inbox);
                case "open" -> open(c[1], Integer.parseInt(c[2]));
                case "send" -> send();
                default -> "error unknown command " + c[0];
              };
            } catch (Exception e) {
              reply = "fail " + e;
            }
            System.out.println(reply.replace('\\n', ' '));
          }
          System.exit(0);
        }

        interface Body { void run() throws Exception; }

        static void daemon(Body body) {
          Thread t = new Thread(() -> { try { body.run(); } catch (Exception e) { } });
          t.setDaemon(true);
          t.start();
        }

        static void echo(Socket s) throws IOException {
          try (s) {
            BufferedReader r = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            Writer w = new OutputStreamWriter(s.getOutputStream(), StandardCharsets.UTF_8);
            for (String line; (line = r.readLine()) != null; ) { w.write(line + "\\n"); w.flush(); }
          }
        }

        static String tcp(String host, int port) throws IOException {
          try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(host, port), TIMEOUT);
            s.setSoTimeout(TIMEOUT);
            return roundTrip(s, new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)));
          }
        }

        static String udp(String host, int port, String text) throws IOException {
          try (DatagramSocket s = new DatagramSocket()) {
            byte[] b = text.getBytes(StandardCharsets.UTF_8);
            s.send(new DatagramPacket(b, b.length, new InetSocketAddress(host, port)));
            return "sent";
          }
        }

        static String open(String host, int port) throws IOException {
          kept = new Socket();
          kept.connect(new InetSocketAddress(host, port), TIMEOUT);
          kept.setSoTimeout(TIMEOUT);
          keptIn = new BufferedReader(new InputStreamReader(kept.getInputStream(), StandardCharsets.UTF_8));
          return roundTrip(kept, keptIn);
        }

        static String send() throws IOException {
          return roundTrip(kept, keptIn);
        }

        static String roundTrip(Socket s, BufferedReader r) throws IOException {
          s.getOutputStream().write("ping\\n".getBytes(StandardCharsets.UTF_8));
          s.getOutputStream().flush();
          String line = r.readLine();
          return "ping".equals(line) ? "ok" : "fail echo " + line;
        }
      }
      """.formatted(PROBE_MILLIS);

  private final Process process;
  private final Writer commands;
  private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();

  private NetPeer(Process process) {
    this.process = process;
    this.commands = new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader = new Thread(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = out.readLine()) != null; ) replies.add(line);
      } catch (IOException e) {
        // The peer is gone: the next reply() times out and says so.
      }
    }, "net-peer-" + process.pid());
    reader.setDaemon(true);
    reader.start();
  }

  /** Writes the peer's source to {@code dir} and compiles it there, once per test class. */
  static Path compile(Path dir) throws IOException {
    Path source = dir.resolve(CLASS + ".java");
    Files.writeString(source, SOURCE);
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    assertThat(javac).as("a JDK compiler (the tests run on a JRE?)").isNotNull();
    assertThat(javac.run(null, null, null, "-d", dir.toString(), source.toString())).as("javac of " + source).isZero();
    return dir;
  }

  /**
   * Launches a peer in namespace {@code i}, listening on its address and {@link #PORT}; the process
   * goes to {@code started} at once, so that the caller stops it even when a later step fails. Call
   * {@link #awaitReady()} before using it (launch several first: their JVMs then start in parallel).
   */
  static NetPeer launch(NetworkLab lab, int i, Path classes, List<Process> started) throws IOException {
    List<String> java = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        // A peer is tiny: a small heap and the C1 compiler only start faster on a busy machine.
        "-Xmx32m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-cp", classes.toString(), CLASS, lab.ns(i).address(), Integer.toString(PORT)));
    Process process = new ProcessBuilder(lab.wrap(i, java)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    started.add(process);
    return new NetPeer(process);
  }

  /** Waits for the peer's "ready": its sockets are bound. */
  NetPeer awaitReady() {
    assertThat(reply(30)).as("first line of peer " + process.pid()).isEqualTo("ready");
    return this;
  }

  long pid() {
    return process.pid();
  }

  /** A new TCP connection to {@code host}: "ok" after an echo round trip, else "fail <exception>". */
  String tcp(String host, int port) {
    return ask("tcp " + host + " " + port);
  }

  String udp(String host, int port, String text) {
    return ask("udp " + host + " " + port + " " + text);
  }

  /** The UDP payloads received so far. */
  List<String> inbox() {
    String reply = ask("inbox");
    String list = reply.substring("inbox".length()).trim();
    return list.isEmpty() ? List.of() : List.of(list.split(","));
  }

  /** Opens the connection that {@link #send()} keeps using. */
  String open(String host, int port) {
    return ask("open " + host + " " + port);
  }

  /** A round trip over the connection opened by {@link #open}. */
  String send() {
    return ask("send");
  }

  private String ask(String command) {
    try {
      commands.write(command + "\n");
      commands.flush();
      return reply(10);
    } catch (IOException e) {
      throw new AssertionError("peer " + process.pid() + " does not take commands (exited with " + exitCode() + ")", e);
    }
  }

  private String reply(int seconds) {
    try {
      String line = replies.poll(seconds, TimeUnit.SECONDS);
      if (line == null) {
        throw new AssertionError("no reply from peer " + process.pid() + " within " + seconds + " s (exit " + exitCode() + ")");
      }
      return line;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted waiting for peer " + process.pid(), e);
    }
  }

  private String exitCode() {
    return process.isAlive() ? "still running" : Integer.toString(process.exitValue());
  }

  /** Stops the peer by its PID; see {@link #stop(Process)}. */
  @Override
  public void close() {
    stop(process);
  }

  /**
   * SIGKILL by PID and wait for the exit: a peer holds no state worth a graceful stop, and its namespace
   * would outlive the lab while it runs. Never throws, so that a caller stopping several goes on.
   */
  static void stop(Process process) {
    process.destroyForcibly();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) System.err.println("process " + process.pid() + " survived SIGKILL for 10 s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}

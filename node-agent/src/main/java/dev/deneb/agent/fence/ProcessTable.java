package dev.deneb.agent.fence;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/** The operating system's processes, as far as the SIGKILL rung needs them; faked in tests. */
public interface ProcessTable {

  /**
   * One process.
   *
   * @param pid its id
   * @param name the kernel's name for it ({@code /proc/<pid>/comm}: the executable's name, at most 15 characters)
   * @param argv0 the first word of its command line, or empty when unknown (a zombie has none)
   * @param state the kernel's state letter ({@code R S D T Z X ...}), {@code '?'} when unknown
   * @param startTime when it started, in the kernel's units; with the pid it names the process
   *     uniquely, so a pid reused by a new process is not mistaken for the old one
   */
  record Entry(long pid, String name, String argv0, char state, long startTime) {
    /** Dead, or dead and not yet reaped by its parent (a zombie holds no memory, files or sockets). */
    public boolean exited() {
      return state == 'Z' || state == 'X' || state == 'x';
    }

    /** The executable's file name from argv[0] ({@code /usr/sbin/mysqld} gives {@code mysqld}). */
    public String argv0Name() {
      int slash = argv0.lastIndexOf('/');
      return slash < 0 ? argv0 : argv0.substring(slash + 1);
    }
  }

  /** The process with this pid, or empty when there is none. */
  Optional<Entry> find(long pid);

  /** Sends SIGKILL to {@code pid} if it still is {@code expected}; false when that was not possible (gone, not permitted). */
  boolean kill(Entry expected);

  /** Linux: {@code /proc}; elsewhere what {@link ProcessHandle} tells. */
  static ProcessTable system() {
    return Files.isDirectory(Path.of("/proc/self")) ? new ProcFs(Path.of("/proc")) : new Handles();
  }

  /** Reads {@code /proc/<pid>/stat}, {@code comm} and {@code cmdline}. */
  final class ProcFs implements ProcessTable {
    private final Path proc;

    ProcFs(Path proc) {
      this.proc = proc;
    }

    @Override
    public Optional<Entry> find(long pid) {
      Path dir = proc.resolve(Long.toString(pid));
      String stat;
      try {
        stat = Files.readString(dir.resolve("stat"), StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        return Optional.empty();
      } catch (IOException e) {
        // Gone between the directory listing and the read, or unreadable: treat as not there only if the dir is gone.
        return Files.isDirectory(dir) ? Optional.of(new Entry(pid, "?", "", '?', -1)) : Optional.empty();
      }
      // "pid (comm) state ppid ... starttime(22) ...": comm may hold spaces and parentheses.
      int open = stat.indexOf('(');
      int close = stat.lastIndexOf(')');
      if (open < 0 || close < open || close + 2 >= stat.length()) return Optional.of(new Entry(pid, "?", "", '?', -1));
      String comm = stat.substring(open + 1, close);
      String[] rest = stat.substring(close + 2).trim().split("\\s+");
      char state = rest.length > 0 && !rest[0].isEmpty() ? rest[0].charAt(0) : '?';
      long start = -1;
      if (rest.length > 19) {
        try {
          start = Long.parseLong(rest[19]);
        } catch (NumberFormatException ignored) {
          // keep -1
        }
      }
      String argv0 = "";
      try {
        byte[] cmdline = Files.readAllBytes(dir.resolve("cmdline"));
        int end = 0;
        while (end < cmdline.length && cmdline[end] != 0) end++;
        argv0 = new String(cmdline, 0, end, StandardCharsets.UTF_8);
      } catch (IOException ignored) {
        // A process that exited meanwhile, or one we may not read: comm still names it.
      }
      return Optional.of(new Entry(pid, comm, argv0, state, start));
    }

    @Override
    public boolean kill(Entry expected) {
      Optional<Entry> now = find(expected.pid());
      if (now.isEmpty() || now.get().startTime() != expected.startTime()) return false;
      // ProcessHandle checks the start time again and signals with kill(2), SIGKILL.
      return ProcessHandle.of(expected.pid()).map(ProcessHandle::destroyForcibly).orElse(false);
    }
  }

  /** Without {@code /proc}: names from {@link ProcessHandle.Info#command()}, no states. */
  final class Handles implements ProcessTable {
    @Override
    public Optional<Entry> find(long pid) {
      return ProcessHandle.of(pid).filter(ProcessHandle::isAlive).map(h -> {
        String command = h.info().command().orElse("");
        String name = command.substring(command.lastIndexOf('/') + 1);
        long start = h.info().startInstant().map(i -> i.toEpochMilli()).orElse(-1L);
        return new Entry(pid, name, command, '?', start);
      });
    }

    @Override
    public boolean kill(Entry expected) {
      return ProcessHandle.of(expected.pid()).map(ProcessHandle::destroyForcibly).orElse(false);
    }
  }
}

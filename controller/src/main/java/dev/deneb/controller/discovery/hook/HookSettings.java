package dev.deneb.controller.discovery.hook;

import dev.deneb.controller.discovery.DiscoveryBackend;
import dev.deneb.protocol.config.YamlObject;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Commands run before and after every failover or switchover (DESIGN §3.7).
 *
 * <pre>
 * hooks:
 *   pre:  [ ["/usr/local/bin/announce", "failover"] ]
 *   post: [ ["sh", "-c", "consul kv put db/$DENEB_CLUSTER $DENEB_PRIMARY_HOST:$DENEB_PRIMARY_PORT"] ]
 *   timeout: 10s      # per command; a command still running is killed
 * </pre>
 */
public record HookSettings(List<List<String>> pre, List<List<String>> post, Duration timeout) {

  /** The fields {@link #parse} reads; pass them to {@link YamlObject} so a typo is refused. */
  public static final Set<String> FIELDS = Set.of("pre", "post", "timeout");

  /** No hooks. */
  public static final HookSettings NONE = new HookSettings(List.of(), List.of(), Duration.ofSeconds(10));

  public HookSettings {
    pre = List.copyOf(pre.stream().map(List::copyOf).toList());
    post = List.copyOf(post.stream().map(List::copyOf).toList());
  }

  /** Reads the {@code hooks} mapping; errors name the field ({@code hooks.post[0]: must not be empty}). */
  public static HookSettings parse(YamlObject o) {
    List<List<String>> pre = o.stringListList("pre");
    List<List<String>> post = o.stringListList("post");
    check(o, "pre", pre);
    check(o, "post", post);
    Duration timeout = o.duration("timeout", "10s");
    if (timeout.toMillis() < 100 || timeout.toMinutes() > 10) {
      throw new YamlObject.FieldError(o.where("timeout"), "must be 100ms-10m (a hook delays the failover step it belongs to)");
    }
    return new HookSettings(pre, post, timeout);
  }

  /** The pre hooks, in order; the orchestrator runs each, logs a failure and goes on. */
  public List<CommandHook> preHooks() {
    return pre.stream().map(c -> new CommandHook(CommandHook.Phase.PRE, c, timeout)).toList();
  }

  /** The post hooks as discovery backends, one per command, in order. */
  public List<DiscoveryBackend> postBackends() {
    return java.util.stream.IntStream.range(0, post.size())
        .<DiscoveryBackend>mapToObj(i -> new CommandHookBackend(new CommandHook(CommandHook.Phase.POST, post.get(i), timeout), i))
        .toList();
  }

  private static void check(YamlObject o, String field, List<List<String>> commands) {
    for (int i = 0; i < commands.size(); i++) {
      if (commands.get(i).get(0).isBlank()) {
        throw new YamlObject.FieldError(o.where(field) + "[" + i + "][0]", "the program must not be empty");
      }
    }
  }
}

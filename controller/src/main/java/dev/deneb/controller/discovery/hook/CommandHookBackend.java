package dev.deneb.controller.discovery.hook;

import dev.deneb.controller.discovery.DiscoveryBackend;
import dev.deneb.controller.discovery.DiscoveryException;
import dev.deneb.controller.discovery.Publication;

/**
 * A post hook as a discovery backend: it runs at the DISCOVERY_PUBLISHED step, for every cluster
 * (the script reads {@code DENEB_CLUSTER}), and is retried like any backend until it exits 0. One
 * backend per command, so a failing command does not re-run the ones that succeeded.
 *
 * <p>Idempotent only as far as the command is: the operator's script must tolerate a repeat.
 * Bounded in time by the hook's timeout.
 */
public final class CommandHookBackend implements DiscoveryBackend {
  private final CommandHook hook;
  private final String name;

  /** @param index the command's place in {@code hooks.post}, which tells same-program hooks apart in logs and metrics */
  public CommandHookBackend(CommandHook hook, int index) {
    if (hook.phase() != CommandHook.Phase.POST) {
      throw new IllegalArgumentException(hook.describe() + " is not a post hook; pre hooks are run with CommandHook.run");
    }
    this.hook = hook;
    this.name = "hook:post[" + index + "]:" + java.nio.file.Path.of(hook.command().get(0)).getFileName();
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public void publish(Publication p) throws DiscoveryException {
    hook.run(p);
  }
}

package dev.deneb.controller.discovery.hook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.deneb.protocol.config.YamlObject;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class HookSettingsTest {

  @Test
  void readsArgvListsAndTheTimeout() throws Exception {
    HookSettings s = parse("pre: [ [\"/usr/local/bin/announce\", \"failover\"] ]\n"
        + "post: [ [sh, -c, 'echo $DENEB_EPOCH'], [/bin/true] ]\ntimeout: 3s\n");

    assertThat(s.pre()).containsExactly(List.of("/usr/local/bin/announce", "failover"));
    assertThat(s.post()).containsExactly(List.of("sh", "-c", "echo $DENEB_EPOCH"), List.of("/bin/true"));
    assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(s.preHooks()).extracting(CommandHook::phase).containsExactly(CommandHook.Phase.PRE);
    assertThat(s.postBackends()).hasSize(2);
  }

  @Test
  void everythingHasADefault() throws Exception {
    HookSettings s = parse("{}");

    assertThat(s.pre()).isEmpty();
    assertThat(s.post()).isEmpty();
    assertThat(s.timeout()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void errorsNameTheField() {
    assertThatThrownBy(() -> parse("post: [ \"/bin/notify --fast\" ]"))
        .hasMessageStartingWith("hooks.post[0]: must be a list of strings");
    assertThatThrownBy(() -> parse("post: [ [] ]")).hasMessageStartingWith("hooks.post[0]: must not be empty");
    assertThatThrownBy(() -> parse("pre: [ [\"\"] ]")).hasMessageStartingWith("hooks.pre[0][0]: the program must not be empty");
    assertThatThrownBy(() -> parse("timeout: 5ms")).hasMessageStartingWith("hooks.timeout: must be 100ms-10m");
    assertThatThrownBy(() -> parse("psot: []")).hasMessageStartingWith("hooks.psot: is not a known field");
  }

  private static HookSettings parse(String yaml) throws Exception {
    return HookSettings.parse(new YamlObject(new YAMLMapper().readTree(yaml), "hooks", HookSettings.FIELDS));
  }
}

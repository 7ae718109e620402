package dev.deneb.sandbox;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class JavaCommandTest {

  @Test
  void classpathPrefersTheExplicitPropertyThenSurefireThenTheJvm() {
    Properties p = new Properties();
    p.setProperty("java.class.path", "booter.jar");
    assertThat(JavaCommand.classpath(p)).isEqualTo("booter.jar");

    p.setProperty("surefire.test.class.path", "a.jar:b.jar");
    assertThat(JavaCommand.classpath(p)).isEqualTo("a.jar:b.jar");

    p.setProperty("deneb.classpath", "deneb.jar");
    assertThat(JavaCommand.classpath(p)).isEqualTo("deneb.jar");
  }

  @Test
  void relativeEntriesBecomeAbsoluteBecauseChildrenRunElsewhere() {
    String cwd = Path.of("").toAbsolutePath().toString();

    assertThat(JavaCommand.absolute("cli/target/deneb-cli.jar:/opt/lib/*:lib/*"))
        .isEqualTo(cwd + "/cli/target/deneb-cli.jar:/opt/lib/*:" + cwd + "/lib/*");
  }

  @Test
  void noClasspathIsAClearError() {
    assertThatThrownBy(() -> JavaCommand.classpath(new Properties()))
        .hasMessageContaining("-Ddeneb.classpath");
  }

  @Test
  void runsDenebOnThisJvmsJavaWithSmallHeaps() {
    List<String> command = JavaCommand.deneb(List.of("-Dx=y"), List.of("controller", "--config", "c1.yaml"));

    assertThat(command.get(0)).isEqualTo(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    assertThat(command.subList(1, 4)).containsExactly("-Xmx256m", "-XX:MaxDirectMemorySize=128m", "-Dx=y");
    assertThat(command.get(4)).isEqualTo("-cp");
    assertThat(command.subList(6, command.size()))
        .containsExactly("dev.deneb.cli.Deneb", "controller", "--config", "c1.yaml");
  }
}

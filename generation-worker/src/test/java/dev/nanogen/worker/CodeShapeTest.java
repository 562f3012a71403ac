package dev.nanogen.worker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.nanogen.testkit.CodeShape;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The worker's shape, read from its compiled classes: the package graph as drawn in
 * docs/architecture.md, without a cycle, and no type public that no other package uses.
 */
class CodeShapeTest {
  private static final String ROOT = "dev.nanogen.worker";

  @Test
  void the_packages_depend_on_each_other_as_drawn_and_without_a_cycle() {
    CodeShape.assertPackagesAcyclic(ROOT);
    assertThat(CodeShape.packageGraph(ROOT))
        .isEqualTo(
            Map.of(
                "", Set.of(),
                "aiml", Set.of("config"),
                "config", Set.of(),
                "files", Set.of("aiml", "config"),
                "job", Set.of("aiml", "config", "files", "lease", "routing"),
                "lease", Set.of("config"),
                "routing", Set.of("aiml", "config")));
  }

  @Test
  void a_type_is_public_only_when_another_package_uses_it() {
    // ShareGroupConfig.GROUP names the share group ScaleOutTest reads from the broker.
    assertThat(CodeShape.publicWithoutReason(ROOT)).containsExactly("config.ShareGroupConfig");
  }
}
